/// What config lint needs to know about a schema, derived from the one audit checks
/// (`memops schema show`, `--schema FILE`): which data has a TTL, which must survive, how big
/// its values are.
extension SchemaFacts {
    /// Facts from `schema`: a family per key pattern (`session:{session_id}` becomes `session:*`).
    /// Data whose TTL is forbidden must survive (registry, embeddings, queue); data with a required
    /// TTL is a cache. Field sizes come from the schema's field constraints.
    public init(schema: Schema) {
        self.init(families: schema.patterns.map { p in
            let glob = p.pattern.split(separator: ":", omittingEmptySubsequences: false)
                .map { $0.hasPrefix("{") && $0.hasSuffix("}") ? "*" : String($0) }.joined(separator: ":")
            let largest = p.fieldSizes?.max { $0.value < $1.value }
            return KeyFamily(
                pattern: glob, type: p.type.rawValue, hasTTL: p.ttl.policy == .required,
                mustSurvive: p.ttl.policy == .forbidden, largestValueBytes: largest?.value,
                valueNote: largest.map { "field \($0.key) \($0.value) B" })
        })
    }
}
