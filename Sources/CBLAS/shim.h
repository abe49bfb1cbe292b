#include <cblas.h>
#include <stddef.h>

/* LAPACK routines OpenBLAS ships without a header (Fortran calling convention: every argument by
   pointer, column-major arrays, one hidden length per character argument at the end). Used by
   Networks' SpectralRadius (dgeev) and RidgeRegression (dposv). */
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t jobvl_len, size_t jobvr_len);
void dposv_(const char *uplo, const int *n, const int *nrhs, double *a, const int *lda,
            double *b, const int *ldb, int *info, size_t uplo_len);
