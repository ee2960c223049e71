// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Durable",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "Durable", targets: ["Durable"]),
    ],
    targets: [
        .target(name: "Durable"),
        .testTarget(name: "DurableTests", dependencies: ["Durable"]),
        .executableTarget(name: "OrderService", dependencies: ["Durable"], path: "Samples/OrderService"),
    ],
    swiftLanguageModes: [.v6]
)
