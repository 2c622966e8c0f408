// What the progress display needs to know about standard output: whether a person is watching
// it, and how wide it is.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Standard output as a terminal.
enum Terminal {
    /// Whether standard output is a terminal (not a file or pipe).
    static var standardOutputIsTerminal: Bool {
        isatty(STDOUT_FILENO) == 1
    }

    /// The width of the terminal on standard output in columns: from the terminal itself, else
    /// from `COLUMNS`, else 80.
    static var width: Int {
        var size = winsize()
        if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 {
            return Int(size.ws_col)
        }
        if let columns = getenv("COLUMNS").flatMap({ Int(String(cString: $0)) }), columns > 0 {
            return columns
        }
        return 80
    }

    /// Writes `text` to standard output at once, after anything already buffered there.
    static func write(_ text: String) {
        print(text, terminator: "")
        // Flushing every stream (nil) flushes standard output without naming the C global,
        // which Swift 6 treats as unsafe shared state.
        fflush(nil)
    }
}
