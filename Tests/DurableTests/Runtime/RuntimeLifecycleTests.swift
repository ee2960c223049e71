@testable import Durable
import Testing

/// One lifecycle under test, in a class so each transition reads as one call inside `#expect`.
private final class Lifecycle {
    private var value = RuntimeLifecycle<Int>()

    func graceful() -> RuntimeLifecycle<Int>.GracefulAction { value.requestGracefulShutdown() }
    func immediate() -> RuntimeLifecycle<Int>.ImmediateAction { value.requestImmediateShutdown() }
    func finishDraining() -> Bool { value.finishDraining() }
    func finishClosing() -> [Int] { value.finishClosing() }
    func park(_ waiter: Int) -> Bool { value.addCloseWaiter(waiter) }
    var acceptsStarts: Bool { value.acceptsStarts }
    var dispatchesWork: Bool { value.dispatchesWork }
    var isShutDown: Bool { value.isShutDown }
}

/// The runtime's lifecycle as a plain value: every shutdown request, in every state, and what it tells the caller to do.
@Suite struct RuntimeLifecycleTests {
    @Test func aRunningRuntimeTakesStartsAndDispatchesWork() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.acceptsStarts)
        #expect(lifecycle.dispatchesWork)
        #expect(!lifecycle.isShutDown)
    }

    @Test func theFirstGracefulRequestDrainsThenCloses() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.graceful() == .drain)
        // Draining: no start, no new work, but instances still run and may be awaited.
        #expect(!lifecycle.acceptsStarts)
        #expect(!lifecycle.dispatchesWork)
        #expect(!lifecycle.isShutDown)

        #expect(lifecycle.finishDraining())
        #expect(lifecycle.isShutDown)
        #expect(lifecycle.finishClosing().isEmpty)
        #expect(lifecycle.isShutDown)
        #expect(!lifecycle.acceptsStarts)
    }

    @Test func laterGracefulRequestsWaitForTheCloseAndAreAnsweredOnce() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.graceful() == .drain)
        #expect(lifecycle.graceful() == .awaitClose)
        #expect(lifecycle.park(1))
        #expect(lifecycle.finishDraining())
        // Closing: a request that comes now still waits for the close.
        #expect(lifecycle.graceful() == .awaitClose)
        #expect(lifecycle.park(2))
        #expect(lifecycle.finishClosing() == [1, 2])
        #expect(lifecycle.finishClosing().isEmpty)
        // Closed: nothing to wait for.
        #expect(lifecycle.graceful() == .done)
        #expect(!lifecycle.park(3))
    }

    @Test func anImmediateRequestCutsADrainShortAndTheDrainerDoesNotCloseAgain() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.graceful() == .drain)
        #expect(lifecycle.graceful() == .awaitClose)
        #expect(lifecycle.park(1))

        #expect(lifecycle.immediate() == .close)
        #expect(lifecycle.isShutDown)
        // The drainer finds the close taken over: it waits for it like any other caller.
        #expect(!lifecycle.finishDraining())
        #expect(lifecycle.park(2))
        #expect(lifecycle.finishClosing() == [1, 2])
    }

    @Test func onlyTheFirstImmediateRequestCloses() {
        let lifecycle = Lifecycle()
        #expect(lifecycle.immediate() == .close)
        #expect(lifecycle.immediate() == .none)
        #expect(lifecycle.graceful() == .awaitClose)
        #expect(lifecycle.park(7))
        #expect(!lifecycle.finishDraining())
        #expect(lifecycle.finishClosing() == [7])
        #expect(lifecycle.immediate() == .none)
        #expect(lifecycle.graceful() == .done)
    }

    @Test func aWaiterIsNotParkedWhileNoShutdownBegan() {
        let lifecycle = Lifecycle()
        #expect(!lifecycle.park(1))
        #expect(!lifecycle.finishDraining())
        #expect(lifecycle.acceptsStarts)
    }
}
