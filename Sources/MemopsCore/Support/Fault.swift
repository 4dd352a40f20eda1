import Foundation

/// Fault injection for the crash tests: with `MEMOPS_FAULT=NAME` in the environment, the process
/// kills itself with SIGKILL at the point of that name, so a test can stop a run exactly between
/// two steps (after the manifest is renamed but before the backup is) and check what a crash
/// there leaves behind. Without the variable a point costs one comparison.
public enum Fault {
    private static let armed: String? = ProcessInfo.processInfo.environment["MEMOPS_FAULT"]

    /// The names of every point, for the tests that visit each one.
    public static let points = [
        "backup.streaming", "backup.synced", "backup.verified", "backup.manifest-renamed",
        "backup.published", "backup.retention-removed",
    ]

    public static func point(_ name: String) {
        guard let armed, armed == name else { return }
        kill(getpid(), SIGKILL)
    }
}
