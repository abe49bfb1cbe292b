// GridRL: Grid-world maps, MDP solvers, Q-learning, SARSA and DQN.
