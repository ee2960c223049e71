import Foundation

/// Formats dates as ISO 8601 in UTC with milliseconds, as the management API's JSON spells them.
///
/// By hand because `ISO8601DateFormatter.string(from:timeZone:formatOptions:)` builds an ICU
/// formatter per call: with a status answer holding a timestamp per history event, that setup was
/// most of a status request's time under load. Dates outside 1583…9999 fall back to Foundation's
/// formatter: it writes earlier dates in the Julian calendar, and absurd ones (a damaged record)
/// as it can, without trapping.
enum ISO8601UTC {
    static func string(from date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        // 1 Jan 1583 (the first whole Gregorian year) to 31 Dec 9999; every millisecond fits an Int64.
        guard seconds.isFinite, seconds >= -12_212_553_600, seconds < 253_402_300_799.9995 else { return fallback(date) }
        // To the nearest millisecond, as Foundation does (a stored 0.193 may be 0.19299…).
        let milliseconds = Int64((seconds * 1_000).rounded())
        let (days, millisecondOfDay) = floorDivide(milliseconds, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        var text = ""
        text.reserveCapacity(24)
        append(year, width: 4, to: &text)
        text += "-"
        append(month, width: 2, to: &text)
        text += "-"
        append(day, width: 2, to: &text)
        text += "T"
        append(millisecondOfDay / 3_600_000, width: 2, to: &text)
        text += ":"
        append(millisecondOfDay / 60_000 % 60, width: 2, to: &text)
        text += ":"
        append(millisecondOfDay / 1_000 % 60, width: 2, to: &text)
        text += "."
        append(millisecondOfDay % 1_000, width: 3, to: &text)
        text += "Z"
        return text
    }

    private static func fallback(_ date: Date) -> String {
        ISO8601DateFormatter.string(
            from: date, timeZone: TimeZone(identifier: "UTC") ?? .current,
            formatOptions: [.withInternetDateTime, .withFractionalSeconds])
    }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> (quotient: Int64, remainder: Int64) {
        let remainder = value % divisor
        return remainder < 0 ? (value / divisor - 1, remainder + divisor) : (value / divisor, remainder)
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    private static func civil(fromDays days: Int64) -> (year: Int64, month: Int64, day: Int64) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func append(_ value: Int64, width: Int, to text: inout String) {
        let digits = String(value)
        if digits.count < width { text += String(repeating: "0", count: width - digits.count) }
        text += digits
    }
}
