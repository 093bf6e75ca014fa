using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Pacs.Dicom;

/// <summary>
/// The DICOM JSON Model (PS3.18 F.2) as a push parser: it is handed one token at a time and keeps its place on an
/// explicit stack, so input can arrive in pieces (a stream read buffer by buffer) without re-reading anything.
/// </summary>
internal sealed class DicomJsonParser
{
    private readonly Stack<Frame> _frames = new();
    private readonly List<DicomDataset> _results = [];
    private DicomTextState _text = new();
    private bool _done;

    private enum FrameKind
    {
        /// <summary>The top-level array of data sets.</summary>
        DatasetArray,

        /// <summary>A data set object: tag keys, each followed by an attribute object.</summary>
        Dataset,

        /// <summary>An attribute object: vr, Value, InlineBinary, BulkDataURI.</summary>
        Attribute,

        /// <summary>The Value array of an attribute.</summary>
        ValueArray,

        /// <summary>A PN object: Alphabetic, Ideographic, Phonetic.</summary>
        PersonName,

        /// <summary>An object in a Value array whose attribute's vr is not known yet; its first key tells.</summary>
        UndecidedObject,

        /// <summary>A member we do not know, skipped with its nested content.</summary>
        Skip,
    }

    /// <summary>Hands every token the reader has to the parser.</summary>
    public void Consume(ref Utf8JsonReader reader)
    {
        try
        {
            while (reader.Read())
            {
                Handle(ref reader);
            }
        }
        catch (JsonException ex)
        {
            throw new DicomException($"DICOM JSON is not valid JSON: {ex.Message}", ex);
        }
    }

    /// <summary>The data sets read; throws when the document ended early.</summary>
    public IReadOnlyList<DicomDataset> Complete()
    {
        if (!_done)
        {
            throw new DicomException("DICOM JSON ended before its data set was complete (or was empty).");
        }

        return _results;
    }

    private void Handle(ref Utf8JsonReader reader)
    {
        var token = reader.TokenType;
        if (_frames.Count == 0)
        {
            StartDocument(token);
            return;
        }

        var frame = _frames.Peek();
        switch (frame.Kind)
        {
            case FrameKind.DatasetArray:
                if (token == JsonTokenType.StartObject)
                {
                    BeginTopLevelDataset(_results.Count);
                }
                else if (token == JsonTokenType.EndArray)
                {
                    _frames.Pop();
                    _done = true;
                }
                else
                {
                    throw Error($"an array of data sets holds objects only, found {token}");
                }

                break;
            case FrameKind.Dataset:
                HandleDataset(ref reader, frame);
                break;
            case FrameKind.Attribute:
                HandleAttribute(ref reader, frame);
                break;
            case FrameKind.ValueArray:
                HandleValue(ref reader, frame);
                break;
            case FrameKind.PersonName:
                HandlePersonName(ref reader, frame);
                break;
            case FrameKind.UndecidedObject:
                HandleUndecided(ref reader, frame);
                break;
            default:
                if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    frame.SkipDepth++;
                }
                else if (token is JsonTokenType.EndObject or JsonTokenType.EndArray && --frame.SkipDepth == 0)
                {
                    _frames.Pop();
                }

                break;
        }
    }

    private void StartDocument(JsonTokenType token)
    {
        if (_done)
        {
            throw Error("more than one top-level value");
        }

        if (token == JsonTokenType.StartObject)
        {
            BeginTopLevelDataset(-1);
        }
        else if (token == JsonTokenType.StartArray)
        {
            _frames.Push(new Frame(FrameKind.DatasetArray));
        }
        else
        {
            throw Error($"a DICOM JSON document is an object or an array of objects, found {token}");
        }
    }

    private void BeginTopLevelDataset(int index)
    {
        _text = new DicomTextState();
        _frames.Push(new Frame(FrameKind.Dataset) { Dataset = new DicomDataset(), Index = index });
    }

    private void HandleDataset(ref Utf8JsonReader reader, Frame frame)
    {
        var token = reader.TokenType;
        if (frame.AwaitingAttribute)
        {
            if (token != JsonTokenType.StartObject)
            {
                throw Error($"an attribute is an object with a vr (PS3.18 F.2.2), found {token}");
            }

            frame.AwaitingAttribute = false;
            _frames.Push(new Frame(FrameKind.Attribute) { Attribute = new DicomAttributeBuilder(frame.PendingTag) });
            return;
        }

        if (token == JsonTokenType.PropertyName)
        {
            var key = reader.GetString()!;
            if (key.Length != 8 || !uint.TryParse(key, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value))
            {
                throw Error($"\"{key}\" is not a tag written as GGGGEEEE (PS3.18 F.2.1.1)");
            }

            frame.PendingTag = new DicomTag(value);
            frame.AwaitingAttribute = true;
            return;
        }

        if (token != JsonTokenType.EndObject)
        {
            throw Error($"unexpected {token} in a data set");
        }

        _frames.Pop();
        var dataset = frame.Dataset!;
        if (_frames.Count == 0 || _frames.Peek().Kind == FrameKind.DatasetArray)
        {
            _text.Apply(dataset);
            _results.Add(dataset);
            _done = _frames.Count == 0;
        }
        else
        {
            _frames.Peek().Attribute!.Values!.Add(dataset);
        }
    }

    private void HandleAttribute(ref Utf8JsonReader reader, Frame frame)
    {
        var token = reader.TokenType;
        var builder = frame.Attribute!;
        if (frame.PendingMember is { } member)
        {
            frame.PendingMember = null;
            switch (member)
            {
                case "vr":
                    if (token != JsonTokenType.String || !DicomVRInfo.TryParse(reader.GetString(), out var vr))
                    {
                        throw Error($"vr must be a VR of PS3.5 6.2, found {Describe(ref reader)}");
                    }

                    builder.VR = vr;
                    return;
                case "Value":
                    if (token == JsonTokenType.Null)
                    {
                        return;
                    }

                    if (token != JsonTokenType.StartArray)
                    {
                        throw Error($"Value must be an array (PS3.18 F.2.4), found {token}");
                    }

                    builder.Values = [];
                    _frames.Push(new Frame(FrameKind.ValueArray) { Attribute = builder });
                    return;
                case "InlineBinary":
                    builder.InlineBinary = token == JsonTokenType.String
                        ? DecodeBase64(ref reader)
                        : throw Error($"InlineBinary must be a base64 string (PS3.18 F.2.7), found {token}");
                    return;
                case "BulkDataURI":
                    builder.BulkDataUri = token == JsonTokenType.String
                        ? reader.GetString()
                        : throw Error($"BulkDataURI must be a string (PS3.18 F.2.6), found {token}");
                    return;
                default:
                    if (token is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    {
                        _frames.Push(new Frame(FrameKind.Skip) { SkipDepth = 1 });
                    }

                    return;
            }
        }

        if (token == JsonTokenType.PropertyName)
        {
            frame.PendingMember = reader.GetString();
            return;
        }

        _frames.Pop();
        DicomElement element;
        try
        {
            element = builder.Build(_text);
        }
        catch (InvalidDataException ex)
        {
            _frames.Push(frame);
            throw Error(ex.Message, ex);
        }

        _frames.Peek().Dataset!.Set(element);
    }

    private byte[] DecodeBase64(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetBytesFromBase64();
        }
        catch (FormatException ex)
        {
            throw Error("InlineBinary is not valid base64", ex);
        }
    }

    private void HandleValue(ref Utf8JsonReader reader, Frame frame)
    {
        var builder = frame.Attribute!;
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                builder.Values!.Add(reader.GetString());
                break;
            case JsonTokenType.Number:
                // Keep the literal: DS/IS take it as their text, so no digit is lost to floating point.
                builder.Values!.Add(Encoding.ASCII.GetString(reader.HasValueSequence ? System.Buffers.BuffersExtensions.ToArray(reader.ValueSequence) : reader.ValueSpan));
                break;
            case JsonTokenType.Null:
                builder.Values!.Add(null);
                break;
            case JsonTokenType.StartObject:
                if (builder.VR == DicomVR.SQ)
                {
                    _frames.Push(new Frame(FrameKind.Dataset) { Dataset = new DicomDataset(), Index = builder.Values!.Count });
                }
                else if (builder.VR == DicomVR.PN)
                {
                    _frames.Push(new Frame(FrameKind.PersonName) { Attribute = builder });
                }
                else if (builder.VR is null)
                {
                    _frames.Push(new Frame(FrameKind.UndecidedObject) { Attribute = builder });
                }
                else
                {
                    throw Error($"VR {builder.VR.Value.Code()} has no object values; only SQ and PN do");
                }

                break;
            case JsonTokenType.EndArray:
                _frames.Pop();
                break;
            default:
                throw Error($"a Value entry must be a string, number, null or object, found {reader.TokenType}");
        }
    }

    private void HandlePersonName(ref Utf8JsonReader reader, Frame frame)
    {
        var token = reader.TokenType;
        if (frame.PendingGroup >= 0)
        {
            frame.Groups[frame.PendingGroup] = token switch
            {
                JsonTokenType.String => reader.GetString()!,
                JsonTokenType.Null => string.Empty,
                _ => throw Error($"a person name group must be a string (PS3.18 F.2.2), found {token}"),
            };
            frame.PendingGroup = -1;
            return;
        }

        if (token == JsonTokenType.PropertyName)
        {
            frame.PendingGroup = GroupIndex(reader.GetString()!);
            return;
        }

        _frames.Pop();
        var g = frame.Groups;
        var text = g[2].Length > 0 ? $"{g[0]}={g[1]}={g[2]}" : g[1].Length > 0 ? $"{g[0]}={g[1]}" : g[0];
        frame.Attribute!.Values!.Add(text);
    }

    private int GroupIndex(string name) => name switch
    {
        "Alphabetic" => 0,
        "Ideographic" => 1,
        "Phonetic" => 2,
        _ => throw Error($"\"{name}\" is not a person name group; PS3.18 F.2.2 has Alphabetic, Ideographic and Phonetic"),
    };

    private void HandleUndecided(ref Utf8JsonReader reader, Frame frame)
    {
        var builder = frame.Attribute!;
        if (reader.TokenType == JsonTokenType.EndObject)
        {
            _frames.Pop();
            builder.Values!.Add(DicomAttributeBuilder.EmptyObject);
            return;
        }

        // The first key tells a PN object from a sequence item.
        var key = reader.GetString()!;
        _frames.Pop();
        if (key is "Alphabetic" or "Ideographic" or "Phonetic")
        {
            _frames.Push(new Frame(FrameKind.PersonName) { Attribute = builder });
        }
        else
        {
            _frames.Push(new Frame(FrameKind.Dataset) { Dataset = new DicomDataset(), Index = builder.Values!.Count });
        }

        Handle(ref reader);
    }

    private static string Describe(ref Utf8JsonReader reader) =>
        reader.TokenType == JsonTokenType.String ? $"\"{reader.GetString()}\"" : reader.TokenType.ToString();

    private DicomException Error(string reason, Exception? inner = null) => new($"DICOM JSON {Where()}: {reason}.", inner);

    /// <summary>Where the parser is, e.g. attribute 00400275[1].00080100 (the last named by keyword when known).</summary>
    private string Where()
    {
        var path = new StringBuilder();
        DicomTag? last = null;
        foreach (var frame in _frames.Reverse())
        {
            if (frame.Kind == FrameKind.Dataset && frame.Index >= 0)
            {
                path.Append('[').Append(frame.Index.ToString(CultureInfo.InvariantCulture)).Append(']');
            }
            else if (frame.Kind == FrameKind.Attribute)
            {
                if (path.Length > 0)
                {
                    path.Append('.');
                }

                last = frame.Attribute!.Tag;
                path.Append(last.Value.ToHexString());
            }
        }

        if (last is null)
        {
            return path.Length == 0 ? "document" : $"data set {path}";
        }

        var keyword = DicomDictionary.Lookup(last.Value)?.Keyword;
        return string.IsNullOrEmpty(keyword) ? $"attribute {path}" : $"attribute {path} ({keyword})";
    }

    private sealed class Frame(FrameKind kind)
    {
        public FrameKind Kind { get; } = kind;

        public DicomDataset? Dataset { get; init; }

        /// <summary>Position of a data set in the top-level array or in its sequence; -1 for a lone top-level object.</summary>
        public int Index { get; init; } = -1;

        public DicomTag PendingTag { get; set; }

        public bool AwaitingAttribute { get; set; }

        public DicomAttributeBuilder? Attribute { get; init; }

        public string? PendingMember { get; set; }

        public int PendingGroup { get; set; } = -1;

        public string[] Groups { get; } = kind == FrameKind.PersonName ? [string.Empty, string.Empty, string.Empty] : [];

        public int SkipDepth { get; set; }
    }
}
