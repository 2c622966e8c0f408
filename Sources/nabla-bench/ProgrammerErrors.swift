import Nabla

/// `nabla-bench stop CASE`: commits one programmer error, so that `.ci/check-release-stops`
/// can check that a release build stops with a message naming the op and the shapes (Swift's
/// `precondition` prints nothing under `-O`; Nabla stops through `fatalError`, which does).
enum ProgrammerErrors {
    /// Each case, and text its message must contain.
    static let cases: [(name: String, expected: String, commit: @Sendable () -> Void)] = [
        ("reshape", "reshape: cannot reshape [2, 3] (6 elements) to [4]", { _ = Tensor<Float>.zeros([2, 3]).reshaped([4]) }),
        ("permute", "permute: [0, 0] is not a permutation of the axes of [2, 3]", { _ = Tensor<Float>.zeros([2, 3]).permuted([0, 0]) }),
        ("slice", "slice: range 0..<5 is out of bounds for axis 0 of shape [3]", { _ = Tensor<Float>.zeros([3]).slice([0..<5]) }),
        ("index-select", "index_select: index 7 is out of range for axis 0 of shape [3]", { _ = Tensor<Float>.zeros([3]).indexSelect([7], axis: 0) }),
        ("gather", "gather: index 3 at position [1, 0] is out of range 0..<3 for axis 1 of [2, 3]", {
            _ = Tensor<Float>.zeros([2, 3]).gather(indices: IndexTensor([[0, 1], [3, 0]]), axis: 1)
        }),
        ("axis", "axis 2 is out of range for shape [2, 3]", { _ = Tensor<Float>.zeros([2, 3]).squeezed(axis: 2) }),
        ("label", "crossEntropy: label 5 at 0 is not a class in 0..<3", { _ = Tensor<Float>.zeros([1, 3]).crossEntropy(labels: [5]) }),
        ("conv-kernel", "conv2d: [1, 1, 3, 3] and [1, 1, 5, 5] — a 5×5 filter does not fit the input", {
            _ = Tensor<Float>.zeros([1, 1, 3, 3]).conv2d(Tensor<Float>.zeros([1, 1, 5, 5]))
        }),
        ("concatenate-empty", "concatenate: no tensors to join", { _ = Tensor<Float>.concatenate([], axis: 0) }),
        ("einsum", "einsum(\"ij,jk->ik\"): the equation has 2 operands but 1 was given", {
            _ = einsum("ij,jk->ik", Tensor<Float>.zeros([2, 3]))
        }),
        ("backward-non-scalar", "Tensor.backward: the tensor has shape [2]; give a seed", {
            (Tensor<Float>.ones([2], requiresGrad: true) * 2).backward()
        }),
    ]

    /// Runs case `name`; returns false when there is no such case.
    static func commit(_ name: String) -> Bool {
        guard let entry = cases.first(where: { $0.name == name }) else { return false }
        entry.commit()
        return true
    }
}
