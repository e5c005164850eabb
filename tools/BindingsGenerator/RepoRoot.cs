namespace WebRtcNative.BindingsGenerator;

/// <summary>Repo-root discovery and comparison helpers shared by the CLI and the tests.</summary>
public static class RepoRoot
{
    /// <summary>Walks up from the current directory, then from the tool's directory, to the folder holding native/include/rtc/rtc.h.</summary>
    public static string? Find()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? d = new(start); d != null; d = d.Parent)
            {
                if (File.Exists(Path.Combine(d.FullName, "native", "include", "rtc", "rtc.h")))
                    return d.FullName;
            }
        }
        return null;
    }

    /// <summary>The header path as quoted in the generated banner: relative to the repo root, with '/' separators.</summary>
    public static string DisplayPath(string header, string? repoRoot)
    {
        header = Path.GetFullPath(header);
        if (repoRoot != null)
        {
            string rel = Path.GetRelativePath(repoRoot, header);
            if (!rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel))
                return rel.Replace('\\', '/');
        }
        return Path.GetFileName(header);
    }

    /// <summary>Names of generated files that are missing, different, or stale (*.g.cs not generated any more) in <paramref name="dir"/>.</summary>
    public static List<string> Diff(IReadOnlyDictionary<string, string> files, string dir)
    {
        var result = new List<string>();
        var utf8 = new System.Text.UTF8Encoding(false);
        foreach (var (name, content) in files)
        {
            string path = Path.Combine(dir, name);
            if (!File.Exists(path) || !File.ReadAllBytes(path).AsSpan().SequenceEqual(utf8.GetBytes(content)))
                result.Add(name);
        }
        if (Directory.Exists(dir))
        {
            foreach (string f in Directory.GetFiles(dir, "*.g.cs"))
            {
                if (!files.ContainsKey(Path.GetFileName(f)))
                    result.Add(Path.GetFileName(f));
            }
        }
        result.Sort(StringComparer.Ordinal);
        return result;
    }
}
