// Networks: Recurrent cells (LSTM), losses (CTC), optimizers and models, with exact gradients.
