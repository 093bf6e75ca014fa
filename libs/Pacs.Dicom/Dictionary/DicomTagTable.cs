using System.Numerics;

namespace Pacs.Dicom;

/// <summary>
/// A fixed-size open-addressing map from a 32-bit tag value to a dictionary entry, filled once and then
/// only read. Smaller and quicker to build and to query than a general dictionary: one multiply, one
/// shift and (nearly always) one compare per lookup, no allocation.
/// </summary>
internal sealed class DicomTagTable
{
    private readonly uint[] _keys;
    private readonly DicomDictionaryEntry?[] _values;
    private readonly int _shift;

    /// <param name="capacity">The most entries that will be added; the table keeps at least half its slots free.</param>
    public DicomTagTable(int capacity)
    {
        var size = (int)BitOperations.RoundUpToPowerOf2((uint)Math.Max(8, capacity * 2));
        _keys = new uint[size];
        _values = new DicomDictionaryEntry?[size];
        _shift = 32 - BitOperations.Log2((uint)size);
    }

    public int Count { get; private set; }

    public void Add(uint key, DicomDictionaryEntry value)
    {
        if (Count * 2 >= _keys.Length)
        {
            throw new InvalidOperationException("Tag table is full.");
        }

        var mask = _keys.Length - 1;
        for (var slot = Slot(key); ; slot = (slot + 1) & mask)
        {
            if (_values[slot] is null)
            {
                _keys[slot] = key;
                _values[slot] = value;
                Count++;
                return;
            }

            if (_keys[slot] == key)
            {
                throw new InvalidOperationException($"Tag {new DicomTag(key)} is in the table twice.");
            }
        }
    }

    public DicomDictionaryEntry? Find(uint key)
    {
        var keys = _keys;
        var values = _values;
        var mask = keys.Length - 1;
        for (var slot = Slot(key); ; slot = (slot + 1) & mask)
        {
            var value = values[slot];
            if (value is null || keys[slot] == key)
            {
                return value;
            }
        }
    }

    // Fibonacci hashing: tags cluster in a few groups with dense element numbers, which the
    // multiply spreads over the whole table.
    private int Slot(uint key) => (int)((key * 2654435769u) >> _shift);
}
