/// A FIFO queue that pops from the front in O(1).
///
/// A message that arrives at an empty queue waits inline: most instances have one message at a
/// time (a result, a fired timer, a raised event), so most never allocate the array.
struct MessageQueue {
    /// Older than everything in `storage`: it is only filled while `storage` is empty.
    private var first: InstanceMessage?
    private var storage: [InstanceMessage] = []
    private var head = 0

    var isEmpty: Bool { first == nil && head == storage.count }

    mutating func append(_ message: InstanceMessage) {
        if first == nil, head == storage.count {
            first = message
        } else {
            storage.append(message)
        }
    }

    mutating func popFirst() -> InstanceMessage? {
        if let message = first {
            first = nil
            return message
        }
        guard head < storage.count else { return nil }
        let message = storage[head]
        head += 1
        if head == storage.count {
            storage.removeAll(keepingCapacity: storage.count < 1024)
            head = 0
        }
        return message
    }
}
