/// Audit's rule ids, severities and explanations (for SARIF and `--format json`).
public enum AuditRule: String, Sendable, CaseIterable {
    case unmatched = "AUD001"
    case badName = "AUD002"
    case wrongType = "AUD003"
    case ttlMissing = "AUD004"
    case ttlTooLong = "AUD005"
    case ttlForbidden = "AUD006"
    case fieldMissing = "AUD007"
    case fieldSize = "AUD008"
    case danglingMember = "AUD009"
    case missingFromIndex = "AUD010"
    case streamTooLong = "AUD011"
    case groupMissing = "AUD012"
    case pendingTooMany = "AUD013"
    case consumerIdle = "AUD014"
    case streamUntrimmed = "AUD015"
    case staleHeartbeat = "AUD016"

    /// The rule's table entry.
    public var descriptor: RuleDescriptor {
        switch self {
        case .unmatched:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "key matches no schema pattern",
                                  why: "A key outside the schema is invisible to every check and often a leak or a typo.",
                                  fix: "Add its pattern to the schema (\(CLIFlag.schema)) or remove it (memops prune \(CLIFlag.pattern)).")
        case .badName:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "badly formed key name",
                                  why: "Empty segments, upper case namespaces, whitespace, control bytes or invalid UTF-8 mean a client built the name wrong; nobody will find the key again.",
                                  fix: "Fix the writer, then remove the key (memops prune \(CLIFlag.pattern)).")
        case .wrongType:
            return RuleDescriptor(id: rawValue, severity: .error, title: "key has the wrong type",
                                  why: "Readers fail with WRONGTYPE on it.", fix: "Fix the writer; remove or rewrite the key.")
        case .ttlMissing:
            return RuleDescriptor(id: rawValue, severity: .error, title: "TTL missing",
                                  why: "The schema bounds this key's life; without a TTL it never expires and memory grows.",
                                  fix: "memops prune \(CLIFlag.expiredPolicy) \(CLIFlag.fixTTL) (or remove the keys).")
        case .ttlTooLong:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "TTL above the policy bound",
                                  why: "The key lives longer than the schema allows.", fix: "memops prune \(CLIFlag.expiredPolicy) \(CLIFlag.fixTTL).")
        case .ttlForbidden:
            return RuleDescriptor(id: rawValue, severity: .error, title: "TTL on a key that must not expire",
                                  why: "Registry and index keys must persist; this one will vanish.", fix: "PERSIST it (memops prune \(CLIFlag.expiredPolicy) \(CLIFlag.fixTTL)).")
        case .fieldMissing:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "required hash field missing or empty",
                                  why: "Readers expect the field.", fix: "Fix the writer; rewrite or remove the key.")
        case .fieldSize:
            return RuleDescriptor(id: rawValue, severity: .error, title: "hash field has the wrong size",
                                  why: "A vector of the wrong size breaks similarity search (768 float32s are 3,072 bytes).",
                                  fix: "Re-embed the text with the right model; remove the key.")
        case .danglingMember:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "index member refers to a missing key",
                                  why: "The entity expired or was deleted but its index member stays: indexes never expire their members.",
                                  fix: "memops prune \(CLIFlag.orphans).")
        case .missingFromIndex:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "key missing from its index",
                                  why: "Listings through the index never show it.", fix: "Add it to the index, or remove the key.")
        case .streamTooLong:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "stream longer than its MAXLEN",
                                  why: "Producers stopped trimming; the stream grows without bound.", fix: "memops prune \(CLIFlag.trimStreams).")
        case .groupMissing:
            return RuleDescriptor(id: rawValue, severity: .error, title: "required consumer group missing",
                                  why: "Its consumers cannot read; entries are never processed.", fix: "XGROUP CREATE key group $.")
        case .pendingTooMany:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "too many pending entries",
                                  why: "Consumers read but do not acknowledge; the PEL grows.", fix: "Find the failing consumer; XAUTOCLAIM or XACK.")
        case .consumerIdle:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "idle consumer holds pending entries",
                                  why: "A dead consumer's entries are never processed.", fix: "XAUTOCLAIM them to a live consumer; XGROUP DELCONSUMER.")
        case .streamUntrimmed:
            return RuleDescriptor(id: rawValue, severity: .warning, title: "stream holds entries older than its retention",
                                  why: "Nothing trims it by time; it grows forever.", fix: "memops prune \(CLIFlag.trimStreams) (XTRIM MINID).")
        case .staleHeartbeat:
            return RuleDescriptor(id: rawValue, severity: .error, title: "active node has no heartbeat",
                                  why: "A node in nodes:active stopped beating: requests are routed to a node that is down.",
                                  fix: "Restart the node's agent, or SREM it from nodes:active.")
        }
    }

    public var severity: Severity { descriptor.severity }

    /// Every audit rule, for SARIF's rule table.
    public static var descriptors: [RuleDescriptor] { allCases.map(\.descriptor) }
}

extension Diagnostic {
    /// An audit finding, at the rule's severity.
    public init(_ rule: AuditRule, message: String, key: String? = nil) {
        self.init(severity: rule.severity, rule: rule.rawValue, message: message, key: key)
    }

    /// The audit rule of this finding; nil for another tool's.
    public var auditRule: AuditRule? { AuditRule(rawValue: rule) }
}
