import Foundation
import MemopsRDB

/// SIGTERM and SIGINT, handled: what a run has under way (a `.partial` file, the metrics of a
/// backup, a progress bar) is cleaned up and recorded, one line says what happened, and the
/// process exits 128+N, as a shell reports a process killed by that signal.
///
/// The signal handler itself only writes the signal number to a pipe (all a handler may safely
/// do); a watcher thread reads it and runs the registered cleanups, newest first, holding the
/// same lock as `critical(_:)`, so an interruption never lands between two steps that must
/// happen together (publishing a backup and its manifest).
public final class Interruption: @unchecked Sendable {
    public static let shared = Interruption()

    /// A cleanup's handle, to take it back when the work it guards is done.
    public struct Token: Hashable, Sendable {
        fileprivate let id: Int
    }

    private let lock = NSRecursiveLock()
    private var nextID = 0
    private var cleanups: [(id: Int, run: (Int32) -> Void)] = []

    private init() {}

    /// Installs the handlers for SIGTERM and SIGINT and starts the watcher. `report` prints the
    /// one line and is called after the cleanups.
    public func install(report: @escaping @Sendable (Int32) -> Void) {
        // A parent may have spawned memops with these signals blocked (the mask is inherited);
        // unblocked here, before any other thread starts, every thread inherits that.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
        interruptionPipe = fds[1]
        let readEnd = fds[0]
        // Never joined: it ends the process.
        _ = WorkerThread(name: "memops-interruption") { [self] in
            var signalNumber: Int32 = 0
            while read(readEnd, &signalNumber, MemoryLayout<Int32>.size) != MemoryLayout<Int32>.size {}
            fire(signalNumber)
            report(signalNumber)
            _exit(128 + signalNumber)
        }
        for sig in [SIGTERM, SIGINT] {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { sig in
                var value = sig
                _ = write(interruptionPipe, &value, MemoryLayout<Int32>.size)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            sigaction(sig, &action, nil)
        }
    }

    /// Registers work to undo or record when the run is interrupted; the closure gets the signal.
    @discardableResult
    public func onInterrupt(_ cleanup: @escaping (Int32) -> Void) -> Token {
        lock.lock()
        defer { lock.unlock() }
        nextID += 1
        cleanups.append((nextID, cleanup))
        return Token(id: nextID)
    }

    /// The work is done (or undone by its owner): nothing to clean up for it any more.
    public func remove(_ token: Token) {
        lock.lock()
        defer { lock.unlock() }
        cleanups.removeAll { $0.id == token.id }
    }

    /// Runs `body` with no interruption in the middle: a signal that arrives meanwhile is
    /// handled when it returns.
    public func critical<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    /// Ends the process now with `status`, after the same cleanups as an interruption (for a
    /// reader that went away: `memops … | head`).
    public func exit(status: Int32) -> Never {
        lock.lock()
        for cleanup in cleanups.reversed() { cleanup.run(SIGPIPE) }
        cleanups.removeAll()
        _exit(status)
    }

    private func fire(_ signal: Int32) {
        lock.lock()
        let pending = cleanups.reversed()
        cleanups.removeAll()
        // Held until exit: no critical section starts after the cleanups ran.
        for cleanup in pending { cleanup.run(signal) }
    }

    /// The signal's name for messages: "SIGTERM", "SIGINT".
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGTERM: return "SIGTERM"
        case SIGINT: return "SIGINT"
        default: return "signal \(signal)"
        }
    }
}

/// Where the signal handler writes; set once by `install` before any handler can run.
nonisolated(unsafe) private var interruptionPipe: Int32 = -1
