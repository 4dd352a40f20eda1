/// A reply from Redis (RESP2), copied out of hiredis' memory as soon as it arrives.
public enum RedisReply: Sendable, Equatable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])

    /// The text of a bulk or status reply (bulk bytes decoded as UTF-8, with replacement).
    public var string: String? {
        switch self {
        case .status(let s): return s
        case .bulk(let b): return String(decoding: b, as: UTF8.self)
        default: return nil
        }
    }

    /// The bytes of a bulk or status reply.
    public var bytes: [UInt8]? {
        switch self {
        case .bulk(let b): return b
        case .status(let s): return Array(s.utf8)
        default: return nil
        }
    }

    /// An integer reply, or a bulk/status reply that holds a decimal integer.
    public var integer: Int64? {
        switch self {
        case .integer(let n): return n
        case .bulk, .status: return string.flatMap { Int64($0) }
        default: return nil
        }
    }

    /// The elements of an array reply.
    public var elements: [RedisReply]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// A RESP2 map, sent as a flat `name value name value …` array, by name (later names
    /// win); empty for any other reply.
    public var fieldMap: [String: RedisReply] {
        var out: [String: RedisReply] = [:]
        let items = elements ?? []
        var k = 0
        while k + 1 < items.count {
            if let name = items[k].string { out[name] = items[k + 1] }
            k += 2
        }
        return out
    }

    /// The message of an error reply.
    public var errorMessage: String? {
        if case .error(let e) = self { return e }
        return nil
    }
}
