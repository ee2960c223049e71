/// The body of Durable Functions' check-status response, written straight into bytes.
///
/// Every start answers with it, and its eight URIs differ only in what follows the instance's
/// URI: the instance URI (and the link query) are escaped once and copied eight times, where a
/// ``ManagementJSON`` tree joined eight strings and boxed each field (a few percent of an HTTP
/// service's CPU at ten thousand starts a second). Same bytes as
/// ``ManagementJSON/bytes`` of the equivalent object: `CheckStatusBodyTests` compares them.
enum CheckStatusBody {
    /// A URI field: its key, what follows the instance URI, and what joins the link query to it
    /// (`?`, or `&` after a query of the URI's own).
    private static let fields: [(key: String, suffix: String, join: String)] = [
        ("statusQueryGetUri", "", "?"),
        ("sendEventPostUri", "/raiseEvent/{eventName}", "?"),
        ("terminatePostUri", "/terminate?reason={text}", "&"),
        ("suspendPostUri", "/suspend?reason={text}", "&"),
        ("resumePostUri", "/resume?reason={text}", "&"),
        ("rewindPostUri", "/rewind?reason={text}", "&"),
        ("restartPostUri", "/restart", "?"),
        ("purgeHistoryDeleteUri", "", "?"),
    ]

    /// `{"id": …, "statusQueryGetUri": …, …}` for instance `id` living at `instanceURI`.
    static func render(id: String, instanceURI: String, linkQuery: String) -> [UInt8] {
        var instance: [UInt8] = []
        ManagementJSON.escape(instanceURI, into: &instance)
        var query: [UInt8] = []
        ManagementJSON.escape(linkQuery, into: &query)

        var out: [UInt8] = []
        out.reserveCapacity(fields.count * (instance.count + query.count + 48) + id.utf8.count + 16)
        out.append(contentsOf: #"{"id":"#.utf8)
        ManagementJSON.quote(id, into: &out)
        for field in fields {
            out.append(contentsOf: #",""#.utf8)
            out.append(contentsOf: field.key.utf8)
            out.append(contentsOf: #"":""#.utf8)
            out.append(contentsOf: instance)
            out.append(contentsOf: field.suffix.utf8)  // constant ASCII: nothing to escape
            if !query.isEmpty {
                out.append(contentsOf: field.join.utf8)
                out.append(contentsOf: query)
            }
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
