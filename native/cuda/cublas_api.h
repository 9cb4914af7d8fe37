// The few cuBLAS entry points tensorlift calls, declared here (cuBLAS is opened at run time
// with dlopen, so no cuBLAS headers or libraries are needed to build). Values follow
// cublas_api.h of cuBLAS 12/13.
#pragma once
#include <cuda_runtime_api.h>
#include <library_types.h>

#include <string>
#include <vector>

namespace tl::cuda {

typedef struct cublasContext* cublasHandle_t;
typedef int cublasStatus_t;  // 0 = CUBLAS_STATUS_SUCCESS
enum cublasOperation_t : int { CUBLAS_OP_N = 0, CUBLAS_OP_T = 1 };
enum cublasComputeType_t : int {
  CUBLAS_COMPUTE_32F = 68,
  CUBLAS_COMPUTE_32F_PEDANTIC = 69,
  CUBLAS_COMPUTE_32F_FAST_16BF = 75,
  CUBLAS_COMPUTE_32F_FAST_TF32 = 77,
};
enum cublasGemmAlgo_t : int { CUBLAS_GEMM_DEFAULT = -1 };

struct CublasApi {
  cublasStatus_t (*create)(cublasHandle_t*);
  cublasStatus_t (*destroy)(cublasHandle_t);
  cublasStatus_t (*set_stream)(cublasHandle_t, cudaStream_t);
  cublasStatus_t (*set_workspace)(cublasHandle_t, void*, size_t);
  cublasStatus_t (*get_version)(cublasHandle_t, int*);
  const char* (*status_string)(cublasStatus_t);
  cublasStatus_t (*gemm_strided_batched_ex)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int, int, int,
                                            const void*, const void*, cudaDataType, int, long long, const void*,
                                            cudaDataType, int, long long, const void*, void*, cudaDataType, int,
                                            long long, int, cublasComputeType_t, cublasGemmAlgo_t);
};

// Loads cuBLAS once per process from the first candidate that opens and has every entry point:
// TENSORLIFT_CUBLAS (a library or a folder), the sonames libcublas.so.13 / .12 (the loader's
// path), the CUDA toolkit folders, then pip's wheels (CUDA 13: nvidia/cu13/lib, CUDA 12:
// nvidia/cublas/lib) under the usual Python prefixes, virtualenvs and conda. Null with
// `reason` filled in when none will do.
const CublasApi* load_cublas(std::string* reason, std::string* path);
// Every candidate tried and what became of it ("<path>: loaded", "... : not found", "... : lacks
// cublasX"), for status(); empty before the first load_cublas.
std::vector<std::string> cublas_attempts();

}  // namespace tl::cuda
