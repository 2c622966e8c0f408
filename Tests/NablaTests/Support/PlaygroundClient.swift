import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import NablaPlayground
import Testing

/// A playground server started in this process on a free port of 127.0.0.1, and requests to it
/// with URLSession, as a browser or `curl` would send them.
struct PlaygroundClient {
    /// The server's URL, `http://127.0.0.1:PORT/`.
    let url: URL

    /// An answer: its status, its `Content-Type` and its body.
    struct Answer {
        var status: Int
        var contentType: String
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
        /// The body as a JSON object (an empty one if it is not).
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    }

    /// Runs `body` with a client of a server of `playground`, stopping the server afterwards.
    static func with(_ playground: Playground = .gradient, _ body: (PlaygroundClient) async throws -> Void) async throws {
        let (urls, continuation) = AsyncStream.makeStream(of: String.self)
        let server = Task {
            try await PlaygroundServer(playground, host: "127.0.0.1", port: 0).run(stoppingOn: []) { continuation.yield($0) }
        }
        defer { server.cancel() }
        var iterator = urls.makeAsyncIterator()
        let url = try #require(await iterator.next().flatMap(URL.init(string:)))
        try await body(PlaygroundClient(url: url))
        server.cancel()
        #expect(try await server.value == nil, "the server stopped for a signal")
    }

    /// POSTs `body` (JSON text) to `/api/explain`.
    func explain(_ body: String) async throws -> Answer {
        try await send("api/explain", method: "POST", body: Data(body.utf8))
    }

    /// POSTs a JSON object to `/api/explain`.
    func explain(_ object: [String: Any]) async throws -> Answer {
        try await send("api/explain", method: "POST", body: JSONSerialization.data(withJSONObject: object))
    }

    /// Sends a request for `path` (relative to the server's URL).
    func send(_ path: String, method: String = "GET", body: Data? = nil) async throws -> Answer {
        var request = URLRequest(url: path.isEmpty ? url : try #require(URL(string: path, relativeTo: url)))
        request.httpMethod = method
        request.httpBody = body
        request.timeoutInterval = 60
        if body != nil { request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return Answer(status: http.statusCode, contentType: http.value(forHTTPHeaderField: "Content-Type") ?? "", body: data)
    }
}
