import Hummingbird
import NIOCore

/// The playground's routes: the page at `/` (GET, HEAD) and `POST /api/explain`; anything else
/// is 404, or 405 naming the methods allowed. Every answer of the API is JSON, errors included.
struct PlaygroundResponder: HTTPResponder {
    typealias Context = BasicRequestContext

    let endpoint: ExplainEndpoint
    let page: ByteBuffer

    init(_ playground: Playground) {
        endpoint = ExplainEndpoint(playground)
        page = ByteBuffer(string: playground.page)
    }

    func respond(to request: Request, context: Context) async throws -> Response {
        switch request.uri.path {
        case "/", "/index.html":
            guard request.method == .get || request.method == .head else { return error(PlaygroundError(status: 405, "the page is read with GET"), allow: "GET, HEAD") }
            var headers = Self.common
            headers[.contentType] = "text/html; charset=utf-8"
            // Nothing but the page's own inline code and its own API: no fetch elsewhere.
            headers[.contentSecurityPolicy] = "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                + "connect-src 'self'; img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
            let response = Response(status: .ok, headers: headers, body: .init(byteBuffer: page))
            return request.method == .head ? response.createHeadResponse() : response
        case "/api/explain":
            guard request.method == .post else {
                return error(PlaygroundError(status: 405, "/api/explain takes POST with a JSON body, such as {\"program\": \"y = x^2\", \"at\": {\"x\": 3}}"),
                             allow: "POST")
            }
            return await explain(request)
        case "/favicon.ico":
            return Response(status: .noContent, headers: Self.common)
        default:
            return error(PlaygroundError(status: 404, "no such page: the playground is at / and its API at POST /api/explain"))
        }
    }

    /// The explanation, or an error: a body over the limit is refused by its declared length
    /// before it is read, and otherwise as soon as it grows past the limit.
    private func explain(_ request: Request) async -> Response {
        let limit = endpoint.playground.limits.maximumBodyBytes
        let tooLarge = PlaygroundError(status: 413, "the request is larger than \(limit) bytes, the playground's limit")
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit { return error(tooLarge) }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: limit)
        } catch is NIOTooManyBytesError {
            return error(tooLarge)
        } catch {
            return self.error(PlaygroundError(status: 400, "the request's body could not be read: \(error)"))
        }
        do {
            let json = try await endpoint.answer(Array(buffer: body))
            var headers = Self.common
            headers[.contentType] = "application/json; charset=utf-8"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: json)))
        } catch {
            return self.error(error)
        }
    }

    private func error(_ error: PlaygroundError, allow: String? = nil) -> Response {
        var headers = Self.common
        headers[.contentType] = "application/json; charset=utf-8"
        if let allow { headers[.allow] = allow }
        return Response(status: .init(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: error.json)))
    }

    /// Headers on every answer: never cached (an answer is for one program), never sniffed.
    static let common: HTTPFields = [.cacheControl: "no-store", .xContentTypeOptions: "nosniff"]
}
