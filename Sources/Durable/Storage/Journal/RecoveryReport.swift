/// What opening a journal found and did: how much it loaded, a torn tail it cut away, and what a
/// repair set aside and lost.
public struct RecoveryReport: Sendable, Hashable, CustomStringConvertible {
    /// The unsynced end of the newest segment, cut short or zero-filled by a crash, removed.
    public struct TornTail: Sendable, Hashable {
        /// The file it was in.
        public var file: String
        /// Where the file now ends.
        public var offset: Int
        /// How many bytes were removed.
        public var bytesRemoved: Int
    }

    /// What `repairCorruption` did: every damaged range it set aside and every event it lost.
    /// After a repair the journal is rewritten as one checkpoint of what was kept, so the next
    /// plain open holds exactly that.
    public struct Repair: Sendable, Hashable {
        /// A damaged record, a damaged or foreign file, or a file that is missing.
        public struct Damage: Sendable, Hashable {
            /// The file.
            public var file: String
            /// Where the damage starts (0 for a whole file).
            public var offset: Int
            /// How many bytes were dropped (0 for a missing file).
            public var length: Int
            /// What is wrong.
            public var reason: String
        }

        /// Events an instance lost: its history now ends before `firstLostEvent`.
        public struct Loss: Sendable, Hashable {
            /// The instance.
            public var instanceId: String
            /// The position in its history from which events were lost.
            public var firstLostEvent: Int
            /// Intact events that had to be dropped because an earlier one was lost (a history
            /// cannot have a hole); listed so a person can act on them, e.g. raise an event again.
            public var droppedEvents: [HistoryEvent]
        }

        /// Every damaged range, in the order found.
        public var damage: [Damage] = []
        /// Every instance that lost events. An instance whose lost record was its last one cannot
        /// be named unless the damaged record still shows its id: see `damage`.
        public var losses: [Loss] = []
        /// Damaged or foreign files moved into the `damaged` folder of the journal directory.
        public var filesSetAside: [String] = []
    }

    /// Files read.
    public var filesLoaded = 0
    /// Records applied.
    public var recordsLoaded = 0
    /// Set if the newest segment ended in a torn tail.
    public var tornTail: TornTail?
    /// Set if `repairCorruption` found something to repair.
    public var repair: Repair?
    /// Files left behind by an interrupted rollover or compaction, removed (they held nothing
    /// the journal still needs).
    public var leftoversRemoved: [String] = []

    /// Creates an empty report.
    public init() {}

    public var description: String {
        var lines = ["Loaded \(recordsLoaded) records from \(filesLoaded) files."]
        if let tornTail {
            lines.append("Truncated a torn tail: \(tornTail.bytesRemoved) bytes at offset \(tornTail.offset) of \(tornTail.file).")
        }
        if !leftoversRemoved.isEmpty {
            lines.append("Removed \(leftoversRemoved.count) leftover files of an interrupted rollover or compaction.")
        }
        if let repair {
            for damage in repair.damage {
                lines.append("Repair: set aside \(damage.length) bytes at offset \(damage.offset) of \(damage.file) (\(damage.reason)).")
            }
            for loss in repair.losses {
                lines.append(
                    "Repair: instance '\(loss.instanceId)' lost its events from #\(loss.firstLostEvent) on"
                        + (loss.droppedEvents.isEmpty ? "." : ", among them intact \(loss.droppedEvents.map(\.kind.name))."))
            }
            if !repair.filesSetAside.isEmpty { lines.append("Repair: moved \(repair.filesSetAside) into 'damaged'.") }
        }
        return lines.joined(separator: " ")
    }
}
