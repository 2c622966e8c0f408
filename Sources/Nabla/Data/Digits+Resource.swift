import Foundation

extension Digits {
    /// The name of the gzipped CSV in the library's resource bundle.
    static let resourceName = "digits.csv.gz"

    /// Reads the 1,797 digits from the library's resource bundle: it checks the gzip CRC-32 and
    /// every line, so a damaged copy gives an error, never wrong data.
    public static func load() throws(DataError) -> Digits {
        guard let url = Bundle.module.url(forResource: "digits.csv", withExtension: "gz") else {
            throw .missingResource(resourceName)
        }
        let compressed: Data
        do {
            compressed = try Data(contentsOf: url)
        } catch {
            throw .unreadableResource(resourceName, reason: error.localizedDescription)
        }
        let text: [UInt8]
        do {
            text = try Gzip.decompress([UInt8](compressed))
        } catch {
            throw .corruptResource(resourceName, error)
        }
        return try Digits(csv: text, file: "digits.csv")
    }
}
