import Foundation
import Testing

@testable import Durable

@Suite struct ISO8601UTCTests {
    private func foundation(_ date: Date) -> String {
        ISO8601DateFormatter.string(
            from: date, timeZone: TimeZone(identifier: "UTC") ?? .current,
            formatOptions: [.withInternetDateTime, .withFractionalSeconds])
    }

    /// The hand-written formatter spells every date as Foundation's does: leap days, century
    /// years, before 1970 and before the Gregorian calendar, whole and fractional milliseconds, the ends of the range.
    @Test func matchesFoundationAcrossTheCalendar() {
        var dates: [Date] = [
            Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: -0.001), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
            Date(timeIntervalSince1970: 4_107_542_400),  // 2100-03-01
            Date(timeIntervalSince1970: -12_212_553_600),  // 1583-01-01, the first date written by hand
            Date(timeIntervalSince1970: -62_135_596_800),  // 0001-01-01, Julian: Foundation's
            Date(timeIntervalSince1970: 253_402_300_799.999),  // 9999-12-31T23:59:59.999
            Date(timeIntervalSince1970: 1_767_225_600.5),
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let milliseconds = Int64.random(in: -13_000_000_000_000..<253_402_300_800_000, using: &generator)
            dates.append(Date(timeIntervalSince1970: Double(milliseconds) / 1_000))
        }
        for date in dates {
            #expect(ISO8601UTC.string(from: date) == foundation(date), "\(date.timeIntervalSince1970)")
        }
    }

    /// Dates no calendar year holds (a damaged record) are still answered, never a trap.
    @Test func absurdDatesDoNotTrap() {
        for seconds in [Double.infinity, -.infinity, .nan, 1e300, -1e300, 253_402_300_800] {
            _ = ISO8601UTC.string(from: Date(timeIntervalSince1970: seconds))
        }
        #expect(ManagementJSON.date(Date(timeIntervalSince1970: 0)).rendered == "\"1970-01-01T00:00:00.000Z\"")
    }
}
