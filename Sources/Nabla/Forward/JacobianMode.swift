/// How `jacobian` computes: one forward (Jacobian-vector) pass per input entry, one reverse
/// (vector-Jacobian) pass per output entry, or whichever needs fewer passes (JAX's jacfwd/jacrev).
public enum JacobianMode: Sendable, Hashable {
    /// Forward when there are fewer input entries than output entries, else reverse.
    case automatic
    /// One Jacobian-vector product per input entry (jacfwd).
    case forward
    /// One vector-Jacobian product per output entry (jacrev).
    case reverse
}
