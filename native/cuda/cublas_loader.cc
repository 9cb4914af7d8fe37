// cuBLAS is opened at run time, not linked: the same addon then loads on machines with no GPU
// or no cuBLAS, and finds the copy inside a PyTorch install when the toolkit has none.
#include <dlfcn.h>
#include <glob.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "cublas_api.h"

namespace tl::cuda {

namespace {

// pip's nvidia-cublas wheel (what PyTorch uses) under the usual Python package folders.
void add_python_wheels(std::vector<std::string>& out) {
  for (const char* pattern : {"/usr/local/lib/python3*/*-packages/nvidia/cublas/lib/libcublas.so.1[23]",
                              "/usr/lib/python3*/*-packages/nvidia/cublas/lib/libcublas.so.1[23]",
                              "/opt/conda/lib/python3*/site-packages/nvidia/cublas/lib/libcublas.so.1[23]"}) {
    glob_t g{};
    if (glob(pattern, 0, nullptr, &g) == 0)
      for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
    globfree(&g);
  }
}

template <typename Fn>
bool bind(void* lib, const char* name, Fn& slot, std::string* missing) {
  slot = reinterpret_cast<Fn>(dlsym(lib, name));
  if (!slot && missing->empty()) *missing = name;
  return slot != nullptr;
}

}  // namespace

const CublasApi* load_cublas(std::string* reason, std::string* path) {
  // Once per process: the library stays loaded for the life of the process.
  static std::once_flag once;
  static CublasApi api{};
  static const CublasApi* loaded = nullptr;
  static std::string why, where;
  std::call_once(once, [] {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("TENSORLIFT_CUBLAS")) candidates.push_back(env);
    for (const char* name : {"libcublas.so.13", "libcublas.so.12", "libcublas.so"}) candidates.push_back(name);
    for (const char* dir : {"/usr/local/cuda/lib64/", "/usr/local/cuda/targets/x86_64-linux/lib/"})
      for (const char* name : {"libcublas.so.13", "libcublas.so.12"}) candidates.push_back(std::string(dir) + name);
    add_python_wheels(candidates);
    void* lib = nullptr;
    for (const std::string& c : candidates) {
      lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (lib) {
        where = c;
        break;
      }
    }
    if (!lib) {
      why = "cuBLAS was not found (tried TENSORLIFT_CUBLAS, libcublas.so.13, libcublas.so.12 and the CUDA toolkit's lib64 and pip's nvidia-cublas)";
      return;
    }
    std::string missing;
    bool ok = bind(lib, "cublasCreate_v2", api.create, &missing) & bind(lib, "cublasDestroy_v2", api.destroy, &missing) &
              bind(lib, "cublasSetStream_v2", api.set_stream, &missing) &
              bind(lib, "cublasSetWorkspace_v2", api.set_workspace, &missing) &
              bind(lib, "cublasGetVersion_v2", api.get_version, &missing) &
              bind(lib, "cublasGetStatusString", api.status_string, &missing) &
              bind(lib, "cublasGemmStridedBatchedEx", api.gemm_strided_batched_ex, &missing);
    if (!ok) {
      why = where + " lacks " + missing + " (cuBLAS 12 or newer is needed)";
      return;
    }
    loaded = &api;
  });
  if (!loaded && reason) *reason = why;
  if (path) *path = where;
  return loaded;
}

}  // namespace tl::cuda
