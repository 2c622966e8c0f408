// Nabla is the umbrella module: it re-exports the kernel layer, so `import Nabla` gives tensors'
// storage and kernels too (as swift-numerics' umbrella re-exports its modules).
@_exported import NablaKernels
