import Synchronization

/// The default `name` of orchestrations and activities: the type's name, computed once per type.
enum TypeName {
    private static let cache = Mutex<[ObjectIdentifier: String]>([:])

    static func of(_ type: Any.Type) -> String {
        let key = ObjectIdentifier(type)
        if let name = cache.withLock({ $0[key] }) { return name }
        let name = String(describing: type)
        cache.withLock { $0[key] = name }
        return name
    }
}
