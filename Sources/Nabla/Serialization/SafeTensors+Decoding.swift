extension SafeTensors {
    /// Reads the bytes of a safetensors file, checking everything the header claims against
    /// them, as the format's rules ask:
    ///
    /// - at least 8 bytes, and a header length that stays within them;
    /// - a header of UTF-8 JSON holding one object (trailing whitespace, such as the spaces
    ///   writers pad with, is allowed), naming each tensor once: a name given twice is an
    ///   error, never silently merged (the header parser keeps every key to check this);
    /// - `__metadata__`, if present, an object mapping strings to strings (or null);
    /// - for each tensor: a known `dtype`, a `shape` of non-negative integers whose element
    ///   count fits `Int` (rank 0 and zero-sized tensors are allowed), and `data_offsets`
    ///   `[begin, end]` with begin ≤ end ≤ the data section's length and end − begin the
    ///   element count times the dtype's size; other fields are ignored, as the reference
    ///   reader ignores them;
    /// - the ranges together tile the data section: no overlaps, no gaps, no bytes after the
    ///   last. (A zero-sized tensor's empty range may sit at any boundary between tensors.)
    ///
    /// The tensors keep the header's order. Their bytes are copied out of `bytes`, so nothing
    /// is allocated beyond the input's own size whatever the header says. A header longer than
    /// ``maximumHeaderByteCount`` is an error, as in the reference reader.
    public init(decoding bytes: [UInt8]) throws(SafeTensorsError) {
        guard bytes.count >= 8 else { throw .fileTooShort(byteCount: bytes.count) }
        let headerByteCount = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        let dataStart = try Self.dataStart(headerByteCount: headerByteCount, fileByteCount: bytes.count)
        let (metadata, entries) = try Self.header(bytes[8..<dataStart], dataByteCount: bytes.count - dataStart)
        self.init(metadata: metadata)
        for entry in entries {
            let range = (dataStart + entry.offsets.lowerBound)..<(dataStart + entry.offsets.upperBound)
            self[entry.name] = StoredTensor(dtype: entry.dtype, shape: entry.shape, bytes: Array(bytes[range]))
        }
    }

    /// The longest header read: 100 MB, the reference reader's limit (a header describes
    /// tensors; it is never that large in a real file).
    public static let maximumHeaderByteCount = 100_000_000

    /// Where the data section starts (8 + the header's length), once the header length (the
    /// first 8 bytes) is checked against the file's size and ``maximumHeaderByteCount``.
    static func dataStart(headerByteCount: UInt64, fileByteCount: Int) throws(SafeTensorsError) -> Int {
        guard headerByteCount <= UInt64(fileByteCount - 8) else {
            throw .headerBeyondFile(headerByteCount: headerByteCount, fileByteCount: fileByteCount)
        }
        guard headerByteCount <= UInt64(maximumHeaderByteCount) else {
            throw .headerTooLarge(headerByteCount: headerByteCount, limit: maximumHeaderByteCount)
        }
        return 8 + Int(headerByteCount)
    }

    /// The metadata and the tensors' entries of a header (`header` indexed by file offset, for
    /// errors), each checked against a data section of `dataByteCount` bytes, in the header's
    /// order.
    static func header(_ header: ArraySlice<UInt8>, dataByteCount: Int) throws(SafeTensorsError) -> (metadata: [String: String], entries: [Entry]) {
        let value: JSON.Value
        do throws(JSON.SyntaxError) {
            value = try JSON.parse(header)
        } catch {
            throw .invalidJSON(byteOffset: error.byteOffset, reason: error.reason)
        }
        guard case .object(let members) = value else { throw .headerNotObject(found: value.summary()) }

        var metadata: [String: String] = [:]
        var entries: [Entry] = []
        var names = Set<String>()
        for (name, value) in members {
            guard names.insert(name).inserted else { throw .duplicateName(name) }
            if name == Self.metadataKey {
                metadata = try Self.metadata(from: value)
            } else {
                entries.append(try Entry(name: name, value, dataByteCount: dataByteCount))
            }
        }
        try Entry.checkTiling(entries, dataByteCount: dataByteCount)
        return (metadata, entries)
    }

    private static func metadata(from value: JSON.Value) throws(SafeTensorsError) -> [String: String] {
        if case .null = value { return [:] }
        guard case .object(let members) = value else { throw .invalidMetadata(key: nil, found: value.summary()) }
        var metadata: [String: String] = [:]
        for (key, value) in members {
            guard case .string(let string) = value else { throw .invalidMetadata(key: key, found: value.summary()) }
            guard metadata.updateValue(string, forKey: key) == nil else { throw .duplicateMetadataKey(key) }
        }
        return metadata
    }
}

extension SafeTensors {
    /// One tensor's header entry, checked on its own.
    struct Entry: Sendable {
        var name: String
        var dtype: SafeTensors.DType
        var shape: Shape
        /// Within the data section.
        var offsets: Range<Int>

        init(name: String, _ value: JSON.Value, dataByteCount: Int) throws(SafeTensorsError) {
            guard case .object(let members) = value else { throw .invalidEntry(tensor: name, found: value.summary()) }
            var fields: [String: JSON.Value] = [:]
            for (key, field) in members {
                guard fields.updateValue(field, forKey: key) == nil else { throw .duplicateField(tensor: name, field: key) }
            }
            func field(_ key: String) throws(SafeTensorsError) -> JSON.Value {
                guard let value = fields[key] else { throw .missingField(tensor: name, field: key) }
                return value
            }

            let dtypeField = try field("dtype")
            guard case .string(let dtypeName) = dtypeField else {
                throw .invalidField(tensor: name, field: "dtype", expected: "a string such as \"F32\"", found: dtypeField.summary())
            }
            guard let dtype = SafeTensors.DType(rawValue: dtypeName) else { throw .unknownDType(tensor: name, dtype: dtypeName) }

            let shapeField = try field("shape")
            guard let dimensions = Self.naturals(shapeField) else {
                throw .invalidField(tensor: name, field: "shape", expected: "an array of non-negative integers", found: shapeField.summary())
            }
            // Counted in the order Shape.count multiplies, so that it never overflows later.
            var byteCount = 1
            for factor in dimensions + [dtype.byteCount] {
                let (product, overflow) = byteCount.multipliedReportingOverflow(by: factor)
                guard !overflow else { throw .shapeTooLarge(tensor: name, shape: dimensions) }
                byteCount = product
            }

            let offsetsField = try field("data_offsets")
            guard let bounds = Self.naturals(offsetsField), bounds.count == 2, bounds[0] <= bounds[1] else {
                throw .invalidField(tensor: name, field: "data_offsets", expected: "[begin, end] with integers 0 ≤ begin ≤ end",
                                    found: offsetsField.summary())
            }
            let offsets = bounds[0]..<bounds[1]
            guard offsets.count == byteCount else {
                throw .sizeMismatch(tensor: name, dtype: dtype, shape: Shape(dimensions), offsets: offsets)
            }
            guard offsets.upperBound <= dataByteCount else {
                throw .offsetsOutOfBounds(tensor: name, offsets: offsets, dataByteCount: dataByteCount)
            }
            self.name = name
            self.dtype = dtype
            self.shape = Shape(dimensions)
            self.offsets = offsets
        }

        /// The value as an array of non-negative `Int`s, or nil.
        private static func naturals(_ value: JSON.Value) -> [Int]? {
            guard case .array(let elements) = value else { return nil }
            var numbers: [Int] = []
            for element in elements {
                guard let number = element.integer, number >= 0 else { return nil }
                numbers.append(number)
            }
            return numbers
        }

        /// Checks that the entries' ranges cover `0..<dataByteCount` exactly once.
        static func checkTiling(_ entries: [Entry], dataByteCount: Int) throws(SafeTensorsError) {
            let ordered = entries.sorted {
                ($0.offsets.lowerBound, $0.offsets.upperBound) < ($1.offsets.lowerBound, $1.offsets.upperBound)
            }
            var covered = 0
            var previous: Entry?
            for entry in ordered {
                if let previous, entry.offsets.lowerBound < covered {
                    throw .overlap(tensor: entry.name, offsets: entry.offsets, other: previous.name, otherOffsets: previous.offsets)
                }
                if entry.offsets.lowerBound > covered {
                    throw .unclaimedBytes(covered..<entry.offsets.lowerBound, dataByteCount: dataByteCount)
                }
                covered = entry.offsets.upperBound
                previous = entry
            }
            if covered < dataByteCount {
                throw .unclaimedBytes(covered..<dataByteCount, dataByteCount: dataByteCount)
            }
        }
    }
}
