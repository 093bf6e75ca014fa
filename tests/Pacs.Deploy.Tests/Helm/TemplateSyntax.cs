using System.Globalization;
using System.Text;

namespace Pacs.Deploy.Tests.Helm;

internal abstract record Node;

internal sealed record TextNode(string Text) : Node;

internal sealed record ActionNode(Pipeline Pipeline) : Node;

internal sealed record IfNode(Pipeline Condition, List<Node> Then, List<Node> Else) : Node;

internal sealed record WithNode(Pipeline Subject, List<Node> Body, List<Node> Else) : Node;

internal sealed record RangeNode(string? KeyVariable, string? ValueVariable, Pipeline Subject, List<Node> Body, List<Node> Else) : Node;

/// <summary>Commands joined by '|', optionally declaring (<c>$x :=</c>) or assigning (<c>$x =</c>) a variable.</summary>
internal sealed record Pipeline(List<List<Term>> Commands, string? Declare, bool IsAssignment);

internal abstract record Term;

internal sealed record LiteralTerm(object? Value) : Term;

internal sealed record DotTerm : Term;

/// <summary><c>.a.b</c> (Start null: from dot) or <c>$x.a.b</c>.</summary>
internal sealed record FieldTerm(string? Start, IReadOnlyList<string> Fields) : Term;

internal sealed record VariableTerm(string Name) : Term;

internal sealed record IdentifierTerm(string Name) : Term;

internal sealed record PipelineTerm(Pipeline Pipeline) : Term;

internal readonly record struct TemplateToken(bool IsAction, string Text, int Line);

/// <summary>Splits a template into text and actions, applying the <c>{{-</c> and <c>-}}</c> whitespace trimming and dropping comments.</summary>
internal static class Lexer
{
    public static List<TemplateToken> Tokenize(string source, string file)
    {
        var tokens = new List<TemplateToken>();
        int position = 0;
        bool trimNext = false;
        while (position < source.Length)
        {
            int open = source.IndexOf("{{", position, StringComparison.Ordinal);
            string text = open < 0 ? source[position..] : source[position..open];
            if (trimNext)
                text = text.TrimStart();
            if (open < 0)
            {
                AddText(text);
                break;
            }
            int close = source.IndexOf("}}", open + 2, StringComparison.Ordinal);
            if (close < 0)
                throw new TemplateException($"{file}: '{{{{' at line {Line(open)} is never closed");
            string inner = source[(open + 2)..close];
            bool trimLeft = inner.StartsWith("- ", StringComparison.Ordinal) || inner == "-";
            bool trimRight = inner.EndsWith(" -", StringComparison.Ordinal);
            if (trimLeft)
                text = text.TrimEnd();
            AddText(text);
            inner = inner[(trimLeft ? 1 : 0)..(inner.Length - (trimRight ? 1 : 0))].Trim();
            if (!(inner.StartsWith("/*", StringComparison.Ordinal) && inner.EndsWith("*/", StringComparison.Ordinal)))
                tokens.Add(new TemplateToken(true, inner, Line(open)));
            trimNext = trimRight;
            position = close + 2;
        }
        return tokens;

        void AddText(string text)
        {
            if (text.Length > 0)
                tokens.Add(new TemplateToken(false, text, 0));
        }

        int Line(int offset) => source.AsSpan(0, offset).Count('\n') + 1;
    }
}

/// <summary>Builds the node tree of one template file; <c>define</c> blocks go to the shared dictionary.</summary>
internal sealed class Parser(List<TemplateToken> tokens, string file, Dictionary<string, List<Node>> defines)
{
    private int _next;

    public List<Node> ParseAll()
    {
        var nodes = ParseUntil(out var end);
        if (end is not null)
            throw Error($"unexpected {{{{ {end} }}}}");
        return nodes;
    }

    /// <summary>Nodes up to an <c>end</c> or <c>else…</c> action (returned in <paramref name="stop"/>) or the end of the file (null).</summary>
    private List<Node> ParseUntil(out string? stop)
    {
        var nodes = new List<Node>();
        while (_next < tokens.Count)
        {
            var token = tokens[_next++];
            if (!token.IsAction)
            {
                nodes.Add(new TextNode(token.Text));
                continue;
            }
            var (keyword, rest) = Split(token.Text);
            switch (keyword)
            {
                case "end":
                case "else":
                    stop = token.Text;
                    return nodes;
                case "if":
                    nodes.Add(ParseIf(rest));
                    break;
                case "with":
                {
                    var subject = ParsePipeline(rest);
                    var body = ParseUntil(out var s);
                    var otherwise = s == "else" ? ParseBlockEnd() : ExpectEnd(s);
                    nodes.Add(new WithNode(subject, body, otherwise));
                    break;
                }
                case "range":
                    nodes.Add(ParseRange(rest));
                    break;
                case "define":
                {
                    var name = ParseString(rest);
                    var body = ParseUntil(out var s);
                    ExpectEnd(s);
                    defines[name] = body;
                    break;
                }
                case "template":
                case "block":
                case "tpl":
                    throw Error($"{keyword} is outside the subset this renderer knows");
                default:
                    nodes.Add(new ActionNode(ParsePipeline(token.Text)));
                    break;
            }
        }
        stop = null;
        return nodes;
    }

    private IfNode ParseIf(string condition)
    {
        var pipeline = ParsePipeline(condition);
        var then = ParseUntil(out var stop);
        if (stop is null)
            throw Error("if without end");
        if (stop == "end")
            return new IfNode(pipeline, then, []);
        var (_, afterElse) = Split(stop);
        var (keyword, rest) = Split(afterElse);
        if (keyword == "if")
            return new IfNode(pipeline, then, [ParseIf(rest)]);
        if (afterElse.Length > 0)
            throw Error($"unexpected {{{{ {stop} }}}}");
        return new IfNode(pipeline, then, ParseBlockEnd());
    }

    private RangeNode ParseRange(string text)
    {
        string? key = null, value = null;
        int declare = text.IndexOf(":=", StringComparison.Ordinal);
        if (declare >= 0)
        {
            var variables = text[..declare].Split(',', StringSplitOptions.TrimEntries);
            if (variables.Length == 2)
                (key, value) = (variables[0], variables[1]);
            else
                value = variables[0];
            text = text[(declare + 2)..];
        }
        var subject = ParsePipeline(text);
        var body = ParseUntil(out var stop);
        var otherwise = stop == "else" ? ParseBlockEnd() : ExpectEnd(stop);
        return new RangeNode(key, value, subject, body, otherwise);
    }

    private List<Node> ParseBlockEnd()
    {
        var nodes = ParseUntil(out var stop);
        ExpectEnd(stop);
        return nodes;
    }

    private List<Node> ExpectEnd(string? stop) =>
        stop == "end" ? [] : throw Error(stop is null ? "block without end" : $"unexpected {{{{ {stop} }}}}");

    private static (string Keyword, string Remainder) Split(string action)
    {
        int space = action.IndexOfAny([' ', '\t', '\n']);
        return space < 0 ? (action, "") : (action[..space], action[(space + 1)..].Trim());
    }

    private string ParseString(string text)
    {
        var words = Words(text);
        if (words is not [{ Length: > 1 } word] || word[0] != '"')
            throw Error($"expected a quoted name, got {text}");
        return Unquote(word);
    }

    private Pipeline ParsePipeline(string text)
    {
        var words = Words(text);
        int position = 0;
        return ParsePipeline(words, ref position, topLevel: true);
    }

    private Pipeline ParsePipeline(List<string> words, ref int position, bool topLevel)
    {
        string? declare = null;
        bool assign = false;
        if (topLevel && words.Count > 2 && words[0].StartsWith('$') && words[1] is ":=" or "=")
        {
            declare = words[0];
            assign = words[1] == "=";
            position = 2;
        }
        var commands = new List<List<Term>> { new() };
        while (position < words.Count)
        {
            string word = words[position++];
            switch (word)
            {
                case "|":
                    commands.Add([]);
                    break;
                case "(":
                    commands[^1].Add(new PipelineTerm(ParsePipeline(words, ref position, topLevel: false)));
                    break;
                case ")":
                    if (topLevel)
                        throw Error("unbalanced ')'");
                    return Finish();
                default:
                    commands[^1].Add(ParseTerm(word));
                    break;
            }
        }
        if (!topLevel)
            throw Error("unbalanced '('");
        return Finish();

        Pipeline Finish()
        {
            if (commands.Any(c => c.Count == 0))
                throw Error("empty command in a pipeline");
            return new Pipeline(commands, declare, assign);
        }
    }

    private Term ParseTerm(string word)
    {
        if (word[0] == '"')
            return new LiteralTerm(Unquote(word));
        if (word == ".")
            return new DotTerm();
        if (word[0] == '.')
            return new FieldTerm(null, word[1..].Split('.'));
        if (word[0] == '$')
        {
            var parts = word.Split('.');
            return parts.Length == 1 ? new VariableTerm(word) : new FieldTerm(parts[0], parts[1..]);
        }
        if (long.TryParse(word, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            return new LiteralTerm(number);
        return word switch
        {
            "true" => new LiteralTerm(true),
            "false" => new LiteralTerm(false),
            "nil" => new LiteralTerm(null),
            _ when word.All(c => char.IsLetterOrDigit(c) || c == '_') => new IdentifierTerm(word),
            _ => throw Error($"cannot read '{word}'"),
        };
    }

    /// <summary>Words of an action: quoted strings, parentheses, '|', ':=' and '=' on their own, the rest split at spaces.</summary>
    private List<string> Words(string text)
    {
        var words = new List<string>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '"')
            {
                int start = i++;
                while (i < text.Length && text[i] != '"')
                    i += text[i] == '\\' ? 2 : 1;
                if (i >= text.Length)
                    throw Error($"unterminated string in {text}");
                words.Add(text[start..++i]);
            }
            else if (c is '(' or ')' or '|')
            {
                words.Add(c.ToString());
                i++;
            }
            else
            {
                int start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not ('(' or ')' or '|' or '"'))
                    i++;
                words.Add(text[start..i]);
            }
        }
        return words;
    }

    private static string Unquote(string word)
    {
        var result = new StringBuilder();
        for (int i = 1; i < word.Length - 1; i++)
        {
            if (word[i] == '\\' && i + 1 < word.Length - 1)
            {
                char e = word[++i];
                result.Append(e switch { 'n' => '\n', 't' => '\t', _ => e });
            }
            else
            {
                result.Append(word[i]);
            }
        }
        return result.ToString();
    }

    private TemplateException Error(string message)
    {
        int line = tokens[Math.Max(0, Math.Min(_next, tokens.Count) - 1)].Line;
        return new TemplateException($"{file}:{line}: {message}");
    }
}
