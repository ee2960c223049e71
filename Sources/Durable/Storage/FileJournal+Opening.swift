extension FileJournal {
    /// What opening a directory yields: the histories, and the segment appends continue in.
    struct Opened: ~Copyable {
        var report: RecoveryReport
        var journal: JournalID
        var histories: JournalHistories
        var segment: AppendFile
        var manifest: JournalManifest
        var markedBytes: Int
    }

    /// Scans the directory (salvaging, if a plain scan fails and repair is allowed) and leaves it
    /// ready for appends: a new journal created, leftovers removed, a torn tail cut and synced.
    static func open(_ directory: JournalDirectory, options: Options) throws -> Opened {
        var scan: JournalScanner.Result
        do {
            scan = try JournalScanner(directory: directory, salvage: false).scan()
        } catch let error as JournalError where options.repairCorruption && error.isRepairable {
            scan = try JournalScanner(directory: directory, salvage: true).scan()
            var repair = RecoveryReport.Repair(damage: scan.damage, losses: scan.losses.values.sorted { $0.instanceId < $1.instanceId })
            if repair.damage.isEmpty {
                repair.damage = [.init(file: directory.path, offset: 0, length: 0, reason: "\(error)")]
            }
            for leftover in scan.leftovers { try directory.remove(leftover) }
            let (segment, manifest, setAside) = try directory.rewrite(scan, partSize: options.historyPartSize)
            repair.filesSetAside = setAside
            scan.report.repair = repair
            scan.report.leftoversRemoved = scan.leftovers
            return Opened(
                report: scan.report, journal: scan.journal, histories: scan.histories, segment: segment, manifest: manifest,
                markedBytes: segment.size)
        }
        for leftover in scan.leftovers { try directory.remove(leftover) }
        scan.report.leftoversRemoved = scan.leftovers
        if scan.isNew {
            if !scan.leftovers.isEmpty { try directory.syncDirectory() }
            let (segment, manifest) = try directory.createJournal(scan.journal)
            return Opened(
                report: scan.report, journal: scan.journal, histories: scan.histories, segment: segment, manifest: manifest,
                markedBytes: segment.size)
        }
        let newest = directory.url(.segment, scan.manifest.newest)
        var segment: AppendFile
        if scan.newestValidSize < FileHeader.size {
            // The newest segment's header is torn (or the file is gone after a rebuilt manifest): write it again.
            try directory.remove(newest)
            segment = try directory.createSegment(scan.manifest.newest, journal: scan.journal)
        } else {
            segment = try AppendFile.reopen(newest, keeping: scan.newestValidSize)
            // What a killed process wrote is kept: synced now, a marker in the next batch vouches for it.
            do {
                try segment.sync()
            } catch {
                segment.close()
                throw error
            }
        }
        if !scan.leftovers.isEmpty { try directory.syncDirectory() }
        return Opened(
            report: scan.report, journal: scan.journal, histories: scan.histories, segment: segment, manifest: scan.manifest,
            markedBytes: max(FileHeader.size, scan.newestSyncedThrough))
    }
}

extension JournalError {
    /// Whether `repairCorruption` can do something about it: damage, not a system call's failure.
    var isRepairable: Bool {
        switch self {
        case .corruptRecord, .unsupportedFormat, .missingFile, .truncatedFile, .foreignFile: true
        case .directoryLocked, .recordTooLarge, .io, .closed: false
        }
    }
}
