/// Programmer errors: stops that say what went wrong, in release builds too.
///
/// A wrong shape in `reshaped`, an axis out of range or a backward pass from a non-scalar is a
/// programmer error, as an index out of range is for Swift's `Array`: the program stops. Swift's
/// `precondition` keeps its message only in debug builds; under `-O` it stops with "Illegal
/// instruction" and no text. `fatalError` keeps its message in every build, so Nabla stops
/// through these two functions instead, and a user sees the op, the shapes and the offending value.
///
/// Errors about data from outside (files, program text, a request's tensor) are thrown instead;
/// see the README's "Reliability" section.

/// Stops the program with `message` unless `condition` holds (in release builds too).
@inlinable @inline(__always)
package func require(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String,
    file: StaticString = #fileID, line: UInt = #line
) {
    if _slowPath(!condition()) { requirementFailed(message(), file: file, line: line) }
}

/// Stops the program with `message` (in release builds too).
@inline(never) @usableFromInline
package func requirementFailed(_ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) -> Never {
    fatalError(message(), file: file, line: line)
}
