using System.Globalization;
using System.Text;

namespace Pacs.Deploy.Tests.Helm;

/// <summary>
/// Renders charts/pacs without Helm (not installed on these machines): an interpreter of the part of Go's text/template
/// language and of Helm's functions that the chart uses — actions with whitespace trimming, comments, define, include,
/// if / else if / else, range (over lists and maps, with index and value variables), with, variables, parenthesised
/// pipelines, and the functions listed in <see cref="Call"/>. Anything else is an error, so a template that steps
/// outside the subset fails the tests instead of being checked wrongly.
/// <para>
/// Stricter than Helm on purpose: reading a key that values.yaml (with the test's overrides) does not define throws
/// <see cref="TemplateException"/> naming it, which is how "every value a template uses is defined" is checked. Every
/// values path read is recorded in <see cref="ValuesRead"/>.
/// </para>
/// </summary>
internal sealed class ChartRenderer
{
    private readonly Dictionary<string, List<Node>> _defines = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string File, List<Node> Nodes)> _files = new(StringComparer.Ordinal);
    private readonly Map _root;

    public ChartRenderer(string chartFolder, Map values, string releaseName = "pacs")
    {
        var chart = YamlValues.Load(File.ReadAllText(Path.Combine(chartFolder, "Chart.yaml")), "Chart");
        _root = new Map("")
        {
            ["Values"] = values,
            ["Chart"] = new Map("Chart")
            {
                ["Name"] = chart["name"],
                ["Version"] = chart["version"],
                ["AppVersion"] = chart["appVersion"],
            },
            ["Release"] = new Map("Release")
            {
                ["Name"] = releaseName,
                ["Namespace"] = "default",
                ["Service"] = "Helm",
            },
        };
        foreach (var path in Directory.GetFiles(Path.Combine(chartFolder, "templates")).Order(StringComparer.Ordinal))
        {
            string name = Path.GetFileName(path);
            var nodes = new Parser(Lexer.Tokenize(File.ReadAllText(path), name), name, _defines).ParseAll();
            if (!name.StartsWith('_'))
                _files[name] = (name, nodes);
        }
    }

    /// <summary>Values paths read by the templates rendered so far (e.g. <c>dicomweb.resources</c>).</summary>
    public HashSet<string> ValuesRead { get; } = new(StringComparer.Ordinal);

    /// <summary>Each template file (not helpers) rendered with the values.</summary>
    public IReadOnlyDictionary<string, string> RenderAll()
    {
        var output = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, (_, nodes)) in _files)
        {
            var scope = new Scope(null);
            scope.Set("$", _root);
            var text = new StringBuilder();
            Execute(nodes, _root, scope, text);
            output[name] = text.ToString();
        }
        return output;
    }

    private void Execute(List<Node> nodes, object? dot, Scope scope, StringBuilder output)
    {
        foreach (var node in nodes)
        {
            switch (node)
            {
                case TextNode text:
                    output.Append(text.Text);
                    break;
                case ActionNode action:
                    var value = Evaluate(action.Pipeline, dot, scope);
                    if (action.Pipeline.Declare is null)
                        output.Append(Format(value));
                    break;
                case IfNode branch:
                    if (Truthy(Evaluate(branch.Condition, dot, scope)))
                        Execute(branch.Then, dot, new Scope(scope), output);
                    else
                        Execute(branch.Else, dot, new Scope(scope), output);
                    break;
                case WithNode with:
                    var subject = Evaluate(with.Subject, dot, scope);
                    if (Truthy(subject))
                        Execute(with.Body, subject, new Scope(scope), output);
                    else
                        Execute(with.Else, dot, new Scope(scope), output);
                    break;
                case RangeNode range:
                    var items = Evaluate(range.Subject, dot, scope);
                    var pairs = items switch
                    {
                        null => [],
                        List<object?> list => list.Select((v, i) => ((object?)(long)i, v)).ToList(),
                        Map map => map.Keys.Order(StringComparer.Ordinal).Select(k => ((object?)k, map.Get(k, this))).ToList(),
                        _ => throw new TemplateException($"range over {Describe(items)}, which is neither a list nor a map"),
                    };
                    if (pairs.Count == 0)
                        Execute(range.Else, dot, new Scope(scope), output);
                    foreach (var (key, item) in pairs)
                    {
                        var inner = new Scope(scope);
                        if (range.KeyVariable is { } k)
                            inner.Set(k, key);
                        if (range.ValueVariable is { } v)
                            inner.Set(v, item);
                        Execute(range.Body, item, inner, output);
                    }
                    break;
                default:
                    throw new TemplateException($"unexpected node {node.GetType().Name}");
            }
        }
    }

    private object? Evaluate(Pipeline pipeline, object? dot, Scope scope)
    {
        object? value = null;
        bool first = true;
        foreach (var command in pipeline.Commands)
        {
            value = EvaluateCommand(command, dot, scope, first ? null : new Piped(value));
            first = false;
        }
        if (pipeline.Declare is { } name)
        {
            if (pipeline.IsAssignment)
                scope.Assign(name, value);
            else
                scope.Set(name, value);
        }
        return value;
    }

    private sealed record Piped(object? Value);

    private object? EvaluateCommand(List<Term> command, object? dot, Scope scope, Piped? piped)
    {
        if (command[0] is IdentifierTerm function)
        {
            var args = command.Skip(1).Select(t => EvaluateTerm(t, dot, scope)).ToList();
            if (piped is not null)
                args.Add(piped.Value);
            return Call(function.Name, args, dot);
        }
        if (command.Count > 1 || piped is not null)
            throw new TemplateException($"{command[0]} is not a function and takes no arguments");
        return EvaluateTerm(command[0], dot, scope);
    }

    private object? EvaluateTerm(Term term, object? dot, Scope scope) => term switch
    {
        LiteralTerm literal => literal.Value,
        DotTerm => dot,
        FieldTerm field => Walk(field.Start is null ? dot : scope.Get(field.Start), field.Fields),
        VariableTerm variable => scope.Get(variable.Name),
        PipelineTerm sub => Evaluate(sub.Pipeline, dot, scope),
        IdentifierTerm id => Call(id.Name, [], dot),
        _ => throw new TemplateException($"unexpected term {term}"),
    };

    private object? Walk(object? start, IReadOnlyList<string> fields)
    {
        var current = start;
        foreach (var field in fields)
        {
            current = current switch
            {
                Map map => map.Get(field, this),
                null => throw new TemplateException($"field .{field} of a null value"),
                _ => throw new TemplateException($"field .{field} of {Describe(current)}"),
            };
        }
        return current;
    }

    internal void RecordRead(Map map, string key)
    {
        if (map.Path == "Values" || map.Path.StartsWith("Values.", StringComparison.Ordinal))
            ValuesRead.Add(map.Path == "Values" ? key : $"{map.Path["Values.".Length..]}.{key}");
    }

    private object? Call(string name, List<object?> args, object? dot)
    {
        void Arity(int n)
        {
            if (args.Count != n)
                throw new TemplateException($"{name} takes {n} argument(s), got {args.Count}");
        }
        switch (name)
        {
            case "include":
                Arity(2);
                if (args[0] is not string template || !_defines.TryGetValue(template, out var body))
                    throw new TemplateException($"include of an undefined template {Format(args[0])}");
                var scope = new Scope(null);
                scope.Set("$", args[1]);
                var text = new StringBuilder();
                Execute(body, args[1], scope, text);
                return text.ToString();
            case "toYaml":
                Arity(1);
                MarkRead(args[0]);
                return YamlValues.Write(args[0]).TrimEnd('\n');
            case "nindent":
            case "indent":
                Arity(2);
                var pad = new string(' ', (int)ToLong(args[0]));
                var indented = string.Join('\n', Format(args[1]).Split('\n').Select(l => pad + l));
                return name == "nindent" ? "\n" + indented : indented;
            case "quote":
                return string.Join(' ', args.Select(a => "\"" + Format(a).Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\""));
            case "default":
                Arity(2);
                return Truthy(args[1]) ? args[1] : args[0];
            case "printf":
                if (args.Count == 0 || args[0] is not string format)
                    throw new TemplateException("printf needs a format string");
                return Printf(format, args.Skip(1).ToList());
            case "b64enc":
                Arity(1);
                return Convert.ToBase64String(Encoding.UTF8.GetBytes(Format(args[0])));
            case "add":
                return args.Sum(ToLong);
            case "list":
                return args.ToList();
            case "index":
                Arity(2);
                return args[0] switch
                {
                    Map map when args[1] is string key => map.Get(key, this),
                    List<object?> list => list[(int)ToLong(args[1])],
                    _ => throw new TemplateException($"index of {Describe(args[0])}"),
                };
            case "not":
                Arity(1);
                return !Truthy(args[0]);
            case "eq":
                Arity(2);
                return Equals(Format(args[0]), Format(args[1])) && args[0]?.GetType() == args[1]?.GetType();
            default:
                throw new TemplateException($"function \"{name}\" is outside the subset this renderer knows (see ChartRenderer)");
        }
    }

    /// <summary>toYaml of a map reads every key under it.</summary>
    private void MarkRead(object? value)
    {
        if (value is Map map)
        {
            foreach (var key in map.Keys)
                MarkRead(map.Get(key, this));
        }
        else if (value is List<object?> list)
        {
            list.ForEach(MarkRead);
        }
    }

    private static string Printf(string format, List<object?> args)
    {
        var result = new StringBuilder();
        int next = 0;
        for (int i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 == format.Length)
            {
                result.Append(format[i]);
                continue;
            }
            char verb = format[++i];
            if (verb == '%')
            {
                result.Append('%');
                continue;
            }
            if (verb is not ('s' or 'd' or 'v'))
                throw new TemplateException($"printf verb %{verb} is outside the subset");
            if (next >= args.Count)
                throw new TemplateException($"printf \"{format}\" has too few arguments");
            result.Append(Format(args[next++]));
        }
        return result.ToString();
    }

    private static long ToLong(object? value) => value switch
    {
        long l => l,
        double d when d == Math.Floor(d) => (long)d,
        string s when long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l) => l,
        _ => throw new TemplateException($"{Describe(value)} is not an integer"),
    };

    internal static bool Truthy(object? value) => value switch
    {
        null => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        Map m => m.Count > 0,
        List<object?> l => l.Count > 0,
        _ => true,
    };

    /// <summary>How a value prints in template output (Go's fmt for scalars; nil prints nothing, as in Helm).</summary>
    internal static string Format(object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "true" : "false",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        string s => s,
        _ => throw new TemplateException($"{Describe(value)} cannot be printed directly (use toYaml)"),
    };

    private static string Describe(object? value) => value switch
    {
        null => "null",
        Map m => $"the map {m.Path}",
        List<object?> => "a list",
        _ => $"the {value.GetType().Name} {value}",
    };

    private sealed class Scope(Scope? parent)
    {
        private readonly Dictionary<string, object?> _variables = new(StringComparer.Ordinal);

        public void Set(string name, object? value) => _variables[name] = value;

        public void Assign(string name, object? value)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s._variables.ContainsKey(name))
                {
                    s._variables[name] = value;
                    return;
                }
            }
            throw new TemplateException($"assignment to undeclared variable {name}");
        }

        public Scope? Parent { get; } = parent;

        public object? Get(string name)
        {
            for (var s = this; s is not null; s = s.Parent)
            {
                if (s._variables.TryGetValue(name, out var value))
                    return value;
            }
            throw new TemplateException($"undefined variable {name}");
        }
    }
}

/// <summary>A template that cannot be rendered, or reads a value that is not defined.</summary>
internal sealed class TemplateException(string message) : Exception(message);

/// <summary>A YAML mapping with where it is (e.g. <c>Values.dicomweb.resources</c>): reading a missing key throws naming the path.</summary>
internal sealed class Map(string path) : Dictionary<string, object?>(StringComparer.Ordinal)
{
    public string Path { get; } = path;

    public object? Get(string key, ChartRenderer? renderer)
    {
        if (!TryGetValue(key, out var value))
        {
            throw new TemplateException(Path.StartsWith("Values", StringComparison.Ordinal)
                ? $"the templates read {Path}.{key}, which values.yaml does not define"
                : $"{Path} has no field {key}");
        }
        renderer?.RecordRead(this, key);
        return value;
    }
}
