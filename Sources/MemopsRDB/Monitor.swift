import Foundation

/// memops' one threading model: a background `WorkerThread` per pipeline stage, and a `Monitor`
/// (one lock and its condition) around the only state that stage shares with its owner. Every
/// change made under the lock wakes the waiters, so a waiter only states what it waits for.
///
/// This is the one `@unchecked Sendable` type for shared state: everything it holds is reached
/// through `withLock` or `wait(until:)`, with the lock held.
public final class Monitor<State>: @unchecked Sendable {
    private let condition = NSCondition()
    private var state: State

    public init(_ state: State) {
        self.state = state
    }

    /// Runs `body` on the state with the lock held, then wakes every waiter.
    @discardableResult
    public func withLock<R>(_ body: (inout State) throws -> R) rethrows -> R {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        return try body(&state)
    }

    /// Waits until `ready` holds for the state, then runs `body` on it with the lock still
    /// held, and wakes every waiter.
    @discardableResult
    public func wait<R>(until ready: (State) -> Bool, then body: (inout State) throws -> R) rethrows -> R {
        condition.lock()
        defer {
            condition.broadcast()
            condition.unlock()
        }
        while !ready(state) { condition.wait() }
        return try body(&state)
    }
}

/// A thread that runs one closure and can be joined.
public final class WorkerThread: Sendable {
    private let done = Monitor(false)

    /// Starts `body` on a new thread named `name`.
    public init(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread { [done] in
            body()
            done.withLock { $0 = true }
        }
        thread.name = name
        thread.start()
    }

    /// Waits until the closure has returned.
    public func join() {
        done.wait(until: { $0 }) { _ in }
    }
}
