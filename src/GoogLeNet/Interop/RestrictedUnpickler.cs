using System.Buffers.Binary;
using System.Text;
using static TorchSharp.torch;

namespace GoogLeNet.Interop;

/// <summary>A dict or OrderedDict of a pickle, its items in order.</summary>
internal sealed class PickleDict
{
    public List<(object? Key, object? Value)> Items { get; } = [];

    public static string Describe(object? o) => o switch
    {
        null => "None",
        string => "string",
        long => "integer",
        double => "float",
        bool => "bool",
        PickleDict => "dict",
        List<object?> => "list",
        object?[] => "tuple",
        TensorRef => "tensor",
        PickleGlobal g => $"Python object {g.Module}.{g.Name}",
        _ => o.GetType().Name,
    };
}

/// <summary>A Python name the pickle asked for; only those on the allowed list get this far.</summary>
internal sealed record PickleGlobal(string Module, string Name);

/// <summary>A storage the pickle refers to by persistent id: its element type, entry name and element count.</summary>
internal sealed record StorageRef(ScalarType Type, string Key, long Count);

/// <summary>A tensor as <c>torch._utils._rebuild_tensor_v2</c> describes it: a view of a storage.</summary>
internal sealed record TensorRef(StorageRef Storage, long Offset, long[] Size, long[] Stride)
{
    /// <summary>The view's values, densely, from the storage's bytes; the view must lie inside the storage.</summary>
    public StateDictTensor Materialize(string path, string key, byte[] storage)
    {
        if (Size.Length != Stride.Length || Size.Any(s => s < 0) || Stride.Any(s => s < 0) || Offset < 0)
            throw new StateDictException(path, $"'{key}' has an invalid shape or layout");
        long count = 1, last = Offset;
        foreach (var (size, stride) in Size.Zip(Stride))
        {
            count = checked(count * size);
            if (size > 0)
                last = checked(last + (size - 1) * stride);
        }
        if (count > 0 && last >= Storage.Count)
            throw new StateDictException(path, $"'{key}' reaches past the end of its storage ({Storage.Count:N0} values)");
        int elem = StateDictTensor.SizeOf(Storage.Type);
        var data = new byte[count * elem];
        if (count == 0)
            return new StateDictTensor(Storage.Type, Size, data);
        // Walk the view in row-major order, copying one element at a time unless the innermost axis is dense.
        var index = new long[Size.Length];
        long written = 0;
        int inner = Size.Length - 1;
        long run = inner >= 0 && Stride[inner] == 1 ? Size[inner] : 1;
        while (written < count)
        {
            long at = Offset;
            for (int d = 0; d < Size.Length; d++)
                at += index[d] * Stride[d];
            Buffer.BlockCopy(storage, (int)(at * elem), data, (int)(written * elem), (int)(run * elem));
            written += run;
            // Next position: the innermost axis advances by the run.
            for (int d = inner; d >= 0; d--)
            {
                index[d] += d == inner ? run : 1;
                if (index[d] < Size[d])
                    break;
                index[d] = 0;
            }
        }
        return new StateDictTensor(Storage.Type, Size, data);
    }
}

/// <summary>
/// Reads a pickle that may build only what a state dict is made of, as <c>torch.load(weights_only=True)</c> allows:
/// numbers, strings, None, booleans, tuples, lists, dicts, OrderedDicts and tensors over storages. Any other Python
/// name (the way a pickle constructs arbitrary objects or runs code) is refused when the pickle asks for it.
/// </summary>
internal sealed class RestrictedUnpickler(string path, byte[] data)
{
    private static readonly HashSet<string> Allowed =
    [
        "collections.OrderedDict", "torch._utils._rebuild_tensor_v2", "torch._utils._rebuild_parameter", "builtins.set",
        .. StateDictTensor.Types.Select(t => "torch." + t.Storage),
    ];

    private static readonly object Mark = new();
    private readonly List<object?> _stack = [];
    private readonly Dictionary<long, object?> _memo = [];
    private int _at;

    public object? Load()
    {
        try
        {
            return Run();
        }
        catch (Exception e) when (e is ArgumentOutOfRangeException or IndexOutOfRangeException or InvalidCastException or OverflowException)
        {
            throw Fail($"pickle is malformed at byte {_at} ({e.GetType().Name})", e);
        }
    }

    private object? Run()
    {
        while (true)
        {
            if (_at >= data.Length)
                throw Fail("pickle ends without its STOP opcode (truncated)");
            byte op = data[_at++];
            switch (op)
            {
                case 0x80: _at++; break; // PROTO
                case 0x95: _at += 8; break; // FRAME
                case (byte)'.': return Pop(); // STOP
                case (byte)'(': _stack.Add(Mark); break; // MARK
                case (byte)'0': Pop(); break; // POP
                case (byte)'1': PopMark(); break; // POP_MARK
                case (byte)'2': _stack.Add(Peek()); break; // DUP
                case (byte)'N': _stack.Add(null); break;
                case 0x88: _stack.Add(true); break; // NEWTRUE
                case 0x89: _stack.Add(false); break; // NEWFALSE
                case (byte)'J': _stack.Add((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break; // BININT
                case (byte)'K': _stack.Add((long)Take(1)[0]); break; // BININT1
                case (byte)'M': _stack.Add((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break; // BININT2
                case 0x8a: _stack.Add(Long(Take(Take(1)[0]))); break; // LONG1
                case (byte)'G': _stack.Add(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break; // BINFLOAT
                case (byte)'X': _stack.Add(Utf8(Take(Length32()))); break; // BINUNICODE
                case 0x8c: _stack.Add(Utf8(Take(Take(1)[0]))); break; // SHORT_BINUNICODE
                case (byte)'U': _stack.Add(Encoding.Latin1.GetString(Take(Take(1)[0]))); break; // SHORT_BINSTRING
                case (byte)'T': _stack.Add(Encoding.Latin1.GetString(Take(Length32()))); break; // BINSTRING
                case (byte)'}': _stack.Add(new PickleDict()); break; // EMPTY_DICT
                case (byte)']': _stack.Add(new List<object?>()); break; // EMPTY_LIST
                case (byte)')': _stack.Add(Array.Empty<object?>()); break; // EMPTY_TUPLE
                case (byte)'t': _stack.Add(PopMark().ToArray()); break; // TUPLE
                case 0x85: _stack.Add(new[] { Pop() }); break; // TUPLE1
                case 0x86: { var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b }); break; } // TUPLE2
                case 0x87: { var c = Pop(); var b = Pop(); var a = Pop(); _stack.Add(new[] { a, b, c }); break; } // TUPLE3
                case (byte)'a': { var v = Pop(); ((List<object?>)Peek()!).Add(v); break; } // APPEND
                case (byte)'e': { var items = PopMark(); ((List<object?>)Peek()!).AddRange(items); break; } // APPENDS
                case (byte)'s': { var v = Pop(); var k = Pop(); Dict(Peek()).Items.Add((k, v)); break; } // SETITEM
                case (byte)'u': // SETITEMS
                {
                    var items = PopMark();
                    var dict = Dict(Peek());
                    for (int i = 0; i + 1 < items.Count; i += 2)
                        dict.Items.Add((items[i], items[i + 1]));
                    break;
                }
                case (byte)'c': // GLOBAL
                {
                    string module = Line(), name = Line();
                    _stack.Add(Global(module, name));
                    break;
                }
                case 0x93: // STACK_GLOBAL
                {
                    var name = Pop() as string;
                    var module = Pop() as string;
                    _stack.Add(Global(module ?? "?", name ?? "?"));
                    break;
                }
                case (byte)'R': // REDUCE
                {
                    var args = Pop() as object?[] ?? throw Fail("REDUCE without an argument tuple");
                    var callable = Pop() as PickleGlobal ?? throw Fail("REDUCE of something that is not a callable");
                    _stack.Add(Call(callable, args));
                    break;
                }
                case (byte)'b': // BUILD: an OrderedDict's state (its _metadata) is not needed
                {
                    Pop();
                    if (Peek() is not PickleDict)
                        throw Fail($"BUILD of a {PickleDict.Describe(Peek())}");
                    break;
                }
                case (byte)'Q': // BINPERSID
                    _stack.Add(Storage(Pop() as object?[] ?? throw Fail("persistent id is not a tuple")));
                    break;
                case (byte)'q': _memo[Take(1)[0]] = Peek(); break; // BINPUT
                case (byte)'r': _memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = Peek(); break; // LONG_BINPUT
                case 0x94: _memo[_memo.Count] = Peek(); break; // MEMOIZE
                case (byte)'h': _stack.Add(Memo(Take(1)[0])); break; // BINGET
                case (byte)'j': _stack.Add(Memo(BinaryPrimitives.ReadUInt32LittleEndian(Take(4)))); break; // LONG_BINGET
                default:
                    throw Fail($"pickle opcode 0x{op:x2} at byte {_at - 1} is not one a state dict uses; refused (only tensors and plain containers are read)");
            }
        }
    }

    private PickleGlobal Global(string module, string name)
    {
        string full = $"{module}.{name}";
        if (!Allowed.Contains(full))
            throw Fail($"pickle asks for the Python object {full}; refused: only tensors and plain containers are read (as torch.load(weights_only=True) does)");
        return new PickleGlobal(module, name);
    }

    private object? Call(PickleGlobal callable, object?[] args)
    {
        switch ($"{callable.Module}.{callable.Name}")
        {
            case "collections.OrderedDict":
                return new PickleDict();
            case "builtins.set":
                return new List<object?>();
            case "torch._utils._rebuild_parameter":
                return args.Length >= 1 && args[0] is TensorRef t ? t : throw Fail("_rebuild_parameter of something that is not a tensor");
            case "torch._utils._rebuild_tensor_v2":
                if (args.Length < 4 || args[0] is not StorageRef storage || args[1] is not long offset
                    || args[2] is not object?[] size || args[3] is not object?[] stride)
                    throw Fail("_rebuild_tensor_v2 with arguments that are not (storage, offset, size, stride, ...)");
                return new TensorRef(storage, offset, size.Select(AsLong).ToArray(), stride.Select(AsLong).ToArray());
            default:
                throw Fail($"pickle calls {callable.Module}.{callable.Name}, which is not a constructor");
        }
    }

    private StorageRef Storage(object?[] id)
    {
        if (id.Length < 5 || id[0] is not "storage" || id[1] is not PickleGlobal type || id[2] is not string key || id[4] is not long count || count < 0)
            throw Fail("persistent id is not ('storage', type, key, location, size)");
        var known = StateDictTensor.Types.FirstOrDefault(t => t.Storage == type.Name);
        if (known.Storage is null)
            throw Fail($"storage of an unknown type torch.{type.Name}");
        if (key.Contains('/') || key.Contains('\\') || key.Contains(".."))
            throw Fail($"storage key '{key}' is not a plain name");
        return new StorageRef(known.Type, key, count);
    }

    private long AsLong(object? o) => o as long? ?? throw Fail("tensor shape holds a value that is not an integer");

    private static long Long(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length > 8)
            throw new OverflowException();
        long v = 0;
        for (int i = bytes.Length - 1; i >= 0; i--)
            v = (v << 8) | bytes[i];
        if (bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0)
            v -= 1L << (8 * bytes.Length); // two's complement
        return v;
    }

    private object? Memo(long key) => _memo.TryGetValue(key, out var v) ? v : throw Fail($"pickle refers to memo entry {key}, which it never stored");

    private PickleDict Dict(object? o) => o as PickleDict ?? throw Fail($"SETITEM on a {PickleDict.Describe(o)}");

    private int Length32()
    {
        uint n = BinaryPrimitives.ReadUInt32LittleEndian(Take(4));
        if (n > data.Length - _at)
            throw Fail("pickle string runs past the end of the pickle (truncated)");
        return (int)n;
    }

    private ReadOnlySpan<byte> Take(int n)
    {
        if (n < 0 || _at + n > data.Length)
            throw Fail("pickle ends in the middle of an opcode (truncated)");
        var span = data.AsSpan(_at, n);
        _at += n;
        return span;
    }

    private string Line()
    {
        int end = Array.IndexOf(data, (byte)'\n', _at);
        if (end < 0)
            throw Fail("pickle ends in the middle of a name (truncated)");
        string s = Encoding.ASCII.GetString(data, _at, end - _at);
        _at = end + 1;
        return s;
    }

    private static string Utf8(ReadOnlySpan<byte> b) => Encoding.UTF8.GetString(b);

    private object? Peek() => _stack.Count > 0 && _stack[^1] != Mark ? _stack[^1] : throw Fail("pickle reads from an empty stack");

    private object? Pop()
    {
        var v = Peek();
        _stack.RemoveAt(_stack.Count - 1);
        return v;
    }

    private List<object?> PopMark()
    {
        int mark = _stack.LastIndexOf(Mark);
        if (mark < 0)
            throw Fail("pickle closes a group it never opened");
        var items = _stack.GetRange(mark + 1, _stack.Count - mark - 1);
        _stack.RemoveRange(mark, _stack.Count - mark);
        return items;
    }

    private StateDictException Fail(string problem, Exception? inner = null) => new(path, problem, inner);
}
