/// Command words, made once rather than per key.
enum Word {
    static let restore = Array("RESTORE".utf8)
    static let replace = Array("REPLACE".utf8)
    static let absttl = Array("ABSTTL".utf8)
    static let idletime = Array("IDLETIME".utf8)
    static let freq = Array("FREQ".utf8)
    static let exists = Array("EXISTS".utf8)
    static let select = Array("SELECT".utf8)
    static let dump = Array("DUMP".utf8)
    static let pexpiretime = Array("PEXPIRETIME".utf8)
    static let unlink = Array("UNLINK".utf8)
    static let watch = Array("WATCH".utf8)
    static let unwatch = Array("UNWATCH".utf8)
    static let multi = Array("MULTI".utf8)
    static let exec = Array("EXEC".utf8)
}
