extension ValueReader {
    /// A stream (RDB_TYPE_STREAM_LISTPACKS 15, _2 19, _3 21; rdb.c rdbLoadObject and t_stream.c):
    /// listpack nodes keyed by their master ID, then metadata, then consumer groups with their
    /// PEL and consumers. Entries are validated as streamValidateListpackIntegrity does.
    mutating func readStream<V: RDBVisitor>(_ visitor: inout V) throws {
        let type = info.typeCode
        let nodes = try reader.count("stream")
        let (liveEntries, previousID) = try readStreamNodes(&visitor, nodes: nodes)
        let streamInfo = try readStreamMetadata(type: type, nodes: nodes, liveEntries: liveEntries, previousID: previousID)
        if elements { try visitor.streamInfo(info, streamInfo) }
        count = Int(clamping: streamInfo.length)
        var groupNames = Set<[UInt8]>()
        for _ in 0..<streamInfo.groupCount { try readStreamGroup(&visitor, type: type, names: &groupNames) }
    }

    /// The listpack nodes: their live entries and the last entry's ID. A big stream whose
    /// entries nobody asked for is checked on a second thread (`StreamNodeChecker`).
    private mutating func readStreamNodes<V: RDBVisitor>(_ visitor: inout V, nodes: Int) throws -> (live: UInt64, previous: StreamID?) {
        var liveEntries: UInt64 = 0
        var previousID: StreamID? = nil
        let checker = !elements && nodes >= 16 ? reader.streamNodes : nil
        checker?.resume(.init())
        do {
            for node in 0..<nodes {
                let keyAt = input.offset
                let nodeKey = try reader.blob()
                guard nodeKey.count == 16 else {
                    throw corrupt("stream", "node key is \(nodeKey.count) bytes, not a 16-byte stream ID", at: keyAt)
                }
                // Taken before the next blob, which may reuse the key's bytes.
                let master = StreamID(ms: bigEndian(nodeKey, 0), seq: bigEndian(nodeKey, 8))
                if let checker {
                    try checkStreamNode(node, master: master, on: checker)
                } else {
                    let (b, at) = try blob()
                    let info = self.info
                    let elements = self.elements
                    var failure = CallbackFailure()
                    try checked(at) {
                        liveEntries += UInt64(try walkStreamNode(b, master: master, previous: &previousID, materialize: elements) { id, fields in
                            failure.call { try visitor.streamEntry(info, id: id, fields: fields) }
                        })
                    }
                    try failure.rethrow()
                }
                try drainRaw(&visitor)
            }
        } catch {
            // A node the worker had not checked yet comes earlier in the file than this error.
            if let failure = checker?.drain().failure { throw failed(failure) }
            throw error
        }
        if let checker {
            let state = checker.drain()
            if let failure = state.failure { throw failed(failure) }
            liveEntries = state.live
            previousID = state.previous
            reader.streamNodesAside += state.nodes
        }
        return (liveEntries, previousID)
    }

    /// One node of a stream checked aside: queued for the checker's thread (decompressed here
    /// first for every other LZF node), or, when too big to copy, checked here in its turn.
    private mutating func checkStreamNode(_ node: Int, master: StreamID, on checker: StreamNodeChecker) throws {
        let at = input.offset
        let stored = try reader.storedString()
        if max(stored.data.count, stored.lzfLength ?? 0) < StreamNodeChecker.largestCopied {
            if let length = stored.lzfLength, node % 2 == 0 {
                // LZF is most of the work, and the worker alone would be the bottleneck.
                do throws(BlobError) {
                    try checker.addDecompressing(blobOffset: at, lzfOffset: stored.lzfOffset, master: master, lzf: stored.data, outputLength: length)
                } catch {
                    throw corrupt(error.structure, error.detail, at: stored.lzfOffset)
                }
            } else {
                checker.add(blobOffset: at, lzfOffset: stored.lzfOffset, master: master, data: stored.data, lzfLength: stored.lzfLength)
            }
        } else {
            // Too big to copy: checked here, in order after the queued ones.
            var state = checker.drain()
            if let failure = state.failure { throw failed(failure) }
            let b = try stored.lzfLength.map { try reader.lzfDecompressed(stored.data, outputLength: $0, at: stored.lzfOffset) } ?? stored.data
            try checked(at) {
                state.live += UInt64(try walkStreamNode(b, master: master, previous: &state.previous, materialize: false) { _, _ in })
            }
            checker.resume(state)
            reader.streamNodesTooBig += 1
        }
    }

    /// The error for a node the checker's thread found corrupt, at that node's offset.
    private func failed(_ f: StreamNodeChecker.Failure) -> RDBError { corrupt(f.error.structure, f.error.detail, at: f.offset) }

    /// The stream's length, IDs and group count after its nodes, checked against them.
    private mutating func readStreamMetadata(type: UInt8, nodes: Int, liveEntries: UInt64, previousID: StreamID?) throws -> RDBStreamInfo {
        let length = try reader.length()
        let lastID = StreamID(ms: try reader.length(), seq: try reader.length())
        var firstID: StreamID? = nil
        var maxDeleted: StreamID? = nil
        var entriesAdded: UInt64? = nil
        if type >= 19 {
            firstID = StreamID(ms: try reader.length(), seq: try reader.length())
            maxDeleted = StreamID(ms: try reader.length(), seq: try reader.length())
            entriesAdded = try reader.length()
        }
        guard length == liveEntries else {
            throw corrupt("stream", "length says \(length) entries but the listpacks hold \(liveEntries)")
        }
        if let previousID, previousID > lastID {
            throw corrupt("stream", "entry \(previousID) is after the last generated ID \(lastID)")
        }
        let groups = try reader.count("stream")
        return RDBStreamInfo(length: length, listpackCount: nodes, lastID: lastID, firstID: firstID,
                             maxDeletedID: maxDeleted, entriesAdded: entriesAdded, groupCount: groups)
    }

    /// One consumer group: its PEL, then its consumers, each of whose entries must be in the PEL
    /// and owned by no other consumer, as redis checks.
    private mutating func readStreamGroup<V: RDBVisitor>(_ visitor: inout V, type: UInt8, names groupNames: inout Set<[UInt8]>) throws {
        let name = try reader.string()
        guard groupNames.insert(name).inserted else { throw corrupt("stream", "duplicate consumer group '\(RDBError.printable(name))'") }
        let last = StreamID(ms: try reader.length(), seq: try reader.length())
        var entriesRead: UInt64? = nil
        if type >= 19 {
            let v = try reader.length()
            // SCG_INVALID_ENTRIES_READ (-1) is saved as a 64-bit length.
            entriesRead = v == UInt64.max ? nil : v
        }
        let pelCount = try reader.count("stream PEL")
        // The group PEL is kept to check that every consumer's entry is in it, as redis does.
        var pel = Set<StreamID>()
        var pending: [(StreamID, Int64, UInt64)] = []
        for _ in 0..<pelCount {
            let id = StreamID(ms: try input.uintBE(8), seq: try input.uintBE(8))
            let time = Int64(bitPattern: try input.uintLE(8))
            let deliveries = try reader.length()
            guard pel.insert(id).inserted else { throw corrupt("stream", "duplicate PEL entry \(id) in group '\(RDBError.printable(name))'") }
            if elements {
                pending.append((id, time, deliveries))
                if pending.count >= 1024 { try flushPending(&visitor, name, &pending) }
            }
        }
        let consumers = try reader.count("stream consumers")
        if elements {
            // The group comes first for a visitor, so its PEL entries are flushed after it.
            try visitor.streamGroup(info, RDBStreamGroup(name: name, lastDeliveredID: last, entriesRead: entriesRead,
                                                     pendingCount: pelCount, consumerCount: consumers))
            try flushPending(&visitor, name, &pending)
        }
        var owned = 0
        var consumerNames = Set<[UInt8]>()
        for _ in 0..<consumers {
            owned += try readStreamConsumer(&visitor, type: type, group: name, pel: &pel, names: &consumerNames)
        }
        guard owned == pelCount else {
            throw corrupt("stream", "group '\(RDBError.printable(name))' has \(pelCount) pending entries but its consumers own \(owned)")
        }
    }

    /// One consumer of `group`: its entries are taken out of the group's `pel`. Returns how many it owns.
    private mutating func readStreamConsumer<V: RDBVisitor>(_ visitor: inout V, type: UInt8, group name: [UInt8], pel: inout Set<StreamID>,
                                                            names consumerNames: inout Set<[UInt8]>) throws -> Int {
        let cname = try reader.string()
        guard consumerNames.insert(cname).inserted else { throw corrupt("stream", "duplicate consumer '\(RDBError.printable(cname))'") }
        let seen = Int64(bitPattern: try input.uintLE(8))
        let active: Int64? = type >= 21 ? Int64(bitPattern: try input.uintLE(8)) : nil
        let n = try reader.count("consumer PEL")
        var ids: [StreamID] = []
        for _ in 0..<n {
            let id = StreamID(ms: try input.uintBE(8), seq: try input.uintBE(8))
            guard pel.remove(id) != nil else {
                throw corrupt("stream", "consumer '\(RDBError.printable(cname))' owns \(id), which is not in the group PEL or has another owner")
            }
            if elements { ids.append(id) }
        }
        if elements {
            try visitor.streamConsumer(info, group: name, RDBStreamConsumer(name: cname, seenTimeMs: seen, activeTimeMs: active, pendingCount: n))
            for id in ids { try visitor.streamConsumerPending(info, group: name, consumer: cname, id: id) }
        }
        try drainRaw(&visitor)
        return n
    }

    /// Hands buffered group PEL entries to the visitor.
    func flushPending<V: RDBVisitor>(_ visitor: inout V, _ group: [UInt8], _ pending: inout [(StreamID, Int64, UInt64)]) throws {
        for (id, time, n) in pending {
            try visitor.streamPending(info, group: group, id: id, deliveryTimeMs: time, deliveryCount: n)
        }
        pending.removeAll(keepingCapacity: true)
    }
}

/// The 64-bit big-endian integer at `at` (stream IDs are stored big endian).
func bigEndian(_ b: UnsafeRawBufferPointer, _ at: Int) -> UInt64 {
    var v: UInt64 = 0
    for i in 0..<8 { v = v << 8 | UInt64(b[at + i]) }
    return v
}

/// Walks one stream listpack node (t_stream.c): the master entry (count, deleted, master field
/// count, fields, 0), then entries of flags, ms-delta, seq-delta, [field count,] fields/values
/// and lp-count. Counts, lp-counts and ID order are checked; returns the number of live
/// entries. With `materialize`, each live entry and its fields go to `body` (otherwise nothing
/// is copied out of the node and `body` is not called).
func walkStreamNode(_ b: UnsafeRawBufferPointer, master: StreamID, previous: inout StreamID?, materialize: Bool,
                    _ body: (StreamID, [(field: [UInt8], value: [UInt8])]) -> Void) throws(BlobError) -> Int {
    func fail(_ d: String) -> BlobError { BlobError("stream listpack", d) }
    var it = try ListpackIterator(b)
    // The iterator's own methods, not closures over it: inlined, a closure capturing the
    // iterator made every access a dynamic exclusivity check.
    let liveCount = try it.streamInteger("entry count")
    let deletedCount = try it.streamInteger("deleted count")
    let masterFieldCount = try it.streamInteger("master field count")
    // A listpack holds fewer than 2^32 elements, so larger counts are corrupt (and would
    // overflow the arithmetic below).
    let limit: Int64 = 1 << 32
    guard (0..<limit).contains(liveCount), (0..<limit).contains(deletedCount), (0..<limit).contains(masterFieldCount) else {
        throw fail("impossible counts in the master entry")
    }
    guard liveCount + deletedCount > 0 else { throw fail("a node with no entries") }
    var masterFields: [[UInt8]] = []
    for _ in 0..<masterFieldCount {
        let f = try it.streamElement("master field")
        if materialize { masterFields.append(f.materialize(b)) }
    }
    guard try it.streamInteger("master terminator") == 0 else { throw fail("master entry is not terminated by 0") }
    var live: Int64 = 0
    var deleted: Int64 = 0
    var fields: [(field: [UInt8], value: [UInt8])] = []
    while let flagsEntry = try it.next() {
        guard let flags = flagsEntry.integer(b) else { throw fail("entry flags are not an integer") }
        let msDelta = try it.streamInteger("ID ms delta")
        let seqDelta = try it.streamInteger("ID seq delta")
        let id = StreamID(ms: master.ms &+ UInt64(bitPattern: msDelta), seq: master.seq &+ UInt64(bitPattern: seqDelta))
        if let p = previous, id <= p { throw fail("entry ID \(id) is not after \(p)") }
        previous = id
        let lpCount: Int64
        if flags & 2 != 0 {  // STREAM_ITEM_FLAG_SAMEFIELDS
            if materialize {
                for f in masterFields { fields.append((f, try it.streamElement("value").materialize(b))) }
            } else {
                for _ in 0..<masterFieldCount { _ = try it.streamElement("value") }
            }
            lpCount = masterFieldCount + 3
        } else {
            let n = try it.streamInteger("field count")
            guard (0..<limit).contains(n) else { throw fail("impossible field count \(n)") }
            for _ in 0..<n {
                let f = try it.streamElement("field")
                let v = try it.streamElement("value")
                if materialize { fields.append((f.materialize(b), v.materialize(b))) }
            }
            lpCount = n * 2 + 4
        }
        guard try it.streamInteger("lp-count") == lpCount else { throw fail("lp-count of entry \(id) does not match its size") }
        if flags & 1 != 0 {  // STREAM_ITEM_FLAG_DELETED
            deleted += 1
        } else {
            live += 1
            if materialize { body(id, fields) }
        }
        if materialize { fields.removeAll(keepingCapacity: true) }
    }
    guard live == liveCount, deleted == deletedCount else {
        throw fail("master entry says \(liveCount) live and \(deletedCount) deleted entries but there are \(live) and \(deleted)")
    }
    return Int(live)
}

extension ListpackIterator {
    /// The next element of a stream node, which must be there.
    @inline(__always)
    mutating func streamElement(_ what: String) throws(BlobError) -> PackedValue {
        guard let e = try next() else { throw BlobError("stream listpack", "ends before the \(what)") }
        return e
    }

    /// The next element of a stream node, which must be an integer.
    @inline(__always)
    mutating func streamInteger(_ what: String) throws(BlobError) -> Int64 {
        guard let v = try streamElement(what).integer(blob) else { throw BlobError("stream listpack", "\(what) is not an integer") }
        return v
    }
}
