using System.Buffers.Binary;
using System.Text;

namespace GoogLeNet.Runtime;

/// <summary>
/// Reads and edits the version requirements (<c>.gnu.version_r</c>) of a 64-bit little-endian ELF shared
/// object. Used to mark a libstdc++ symbol version that the host lacks as weak, so that the dynamic loader
/// accepts the library anyway (see README, "Platform notes").
/// </summary>
internal static class ElfVersionPatch
{
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    /// <summary>One version that a library requires from one of its dependencies.</summary>
    public sealed record VersionNeed(string File, string Version, bool Weak, int FlagsOffset);

    /// <summary>Lists every (dependency, version) pair in the image's version-requirement section.</summary>
    public static IReadOnlyList<VersionNeed> ReadVersionNeeds(ReadOnlySpan<byte> elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
            throw new InvalidDataException("not an ELF file");
        if (elf[4] != 2 || elf[5] != 1)
            throw new InvalidDataException("only 64-bit little-endian ELF files are supported");

        long shoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(elf[0x28..]);
        int shentsize = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3a..]);
        int shnum = BinaryPrimitives.ReadUInt16LittleEndian(elf[0x3c..]);

        var needs = new List<VersionNeed>();
        for (int i = 0; i < shnum; i++)
        {
            var sh = elf.Slice(checked((int)(shoff + (long)i * shentsize)), shentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(sh[4..]) != ShtGnuVerneed)
                continue;
            int offset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(sh[0x18..]));
            int link = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x28..]);
            int count = (int)BinaryPrimitives.ReadUInt32LittleEndian(sh[0x2c..]); // sh_info: number of Verneed entries
            var strSh = elf.Slice(checked((int)(shoff + (long)link * shentsize)), shentsize);
            int strOffset = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(strSh[0x18..]));

            int vn = offset;
            for (int n = 0; n < count; n++)
            {
                int auxCount = BinaryPrimitives.ReadUInt16LittleEndian(elf[(vn + 2)..]);
                string file = ReadString(elf, strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(vn + 4)..]));
                int aux = vn + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(vn + 8)..]);
                for (int a = 0; a < auxCount; a++)
                {
                    ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(elf[(aux + 4)..]);
                    string name = ReadString(elf, strOffset + (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 8)..]));
                    needs.Add(new VersionNeed(file, name, (flags & VerFlagWeak) != 0, aux + 4));
                    aux += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(aux + 12)..]);
                }
                vn += (int)BinaryPrimitives.ReadUInt32LittleEndian(elf[(vn + 12)..]);
            }
        }
        return needs;
    }

    /// <summary>Sets the weak flag on the named versions; returns how many entries changed.</summary>
    public static int MarkWeak(Span<byte> elf, IReadOnlyCollection<string> versions)
    {
        int changed = 0;
        foreach (var need in ReadVersionNeeds(elf))
        {
            if (need.Weak || !versions.Contains(need.Version))
                continue;
            var flags = elf.Slice(need.FlagsOffset, 2);
            BinaryPrimitives.WriteUInt16LittleEndian(flags, (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(flags) | VerFlagWeak));
            changed++;
        }
        return changed;
    }

    private static string ReadString(ReadOnlySpan<byte> elf, int offset)
    {
        int end = elf[offset..].IndexOf((byte)0);
        return Encoding.ASCII.GetString(elf.Slice(offset, end));
    }
}
