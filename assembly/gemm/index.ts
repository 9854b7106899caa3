// GEMM family: packed-weight GEMMs with fused epilogues, attention matmuls. (owned by the GEMM work)
