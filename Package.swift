// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "Durable",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Durable", targets: ["Durable"]),
        // Simulation and replay testing for users' test targets (Docs/Testing.md).
        .library(name: "DurableTesting", targets: ["DurableTesting"]),
    ],
    targets: [
        .target(name: "Durable"),
        .target(name: "DurableTesting", dependencies: ["Durable"]),
        // Runs a mixed workload on a file journal; the crash tests kill it with SIGKILL.
        .executableTarget(name: "DurableCrashHarness", dependencies: ["Durable"]),
        // Terminates a tree and SIGKILLs itself inside the descent; the terminate-tree crash test runs it.
        .executableTarget(name: "DurableTerminateTreeHarness", dependencies: ["Durable"]),
        // An instance whose code crashes the process on every replay; the poison-instance test runs it.
        .executableTarget(name: "DurablePoisonHarness", dependencies: ["Durable"]),
        .testTarget(
            name: "DurableTests",
            dependencies: ["Durable", "DurableCrashHarness", "DurableTerminateTreeHarness", "DurablePoisonHarness"],
            // Histories recorded with old code (read by path, see VersioningFixtures.swift).
            exclude: ["Fixtures"]),
        // Fixtures/ holds archived histories the replay tests read from their source path.
        .testTarget(name: "DurableTestingTests", dependencies: ["DurableTesting", "OrderService"], exclude: ["Fixtures"]),
        // Built as a new Xcode app target is since Swift 6.2: default MainActor isolation.
        .testTarget(
            name: "DefaultIsolationTests", dependencies: ["Durable"],
            swiftSettings: [.defaultIsolation(MainActor.self)]),
        .testTarget(
            name: "SampleTests",
            dependencies: [
                "Durable", "DurableTesting", "OrderService", "GalaxyCreate", "Approval", "PlaceOrder", "ShipmentEmails", "StockMonitor",
            ]),
        // The benchmark table: swift run -c release DurableBenchmarks
        .executableTarget(name: "DurableBenchmarks", dependencies: ["Durable", "DurableTesting"]),
        .executableTarget(name: "OrderService", dependencies: ["Durable"], path: "Samples/OrderService"),
        .executableTarget(name: "GalaxyCreate", dependencies: ["Durable"], path: "Samples/GalaxyCreate"),
        .executableTarget(name: "Approval", dependencies: ["Durable"], path: "Samples/Approval"),
        .executableTarget(name: "PlaceOrder", dependencies: ["Durable"], path: "Samples/PlaceOrder"),
        .executableTarget(name: "ShipmentEmails", dependencies: ["Durable"], path: "Samples/ShipmentEmails"),
        .executableTarget(name: "StockMonitor", dependencies: ["Durable"], path: "Samples/StockMonitor"),
    ],
    swiftLanguageModes: [.v6]
)
