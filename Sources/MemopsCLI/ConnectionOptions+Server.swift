extension ConnectionOptions {
    /// Whether a server was named (-u, -h, -p or -s): commands that also work without one
    /// (offline estimate, RESP to stdout, config files) choose by it.
    var namesServer: Bool { url != nil || host != nil || port != nil || socket != nil }
}
