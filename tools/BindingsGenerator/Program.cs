// Usage: dotnet run --project tools/BindingsGenerator [-- [--check] [header] [outputDir]]
//   header     defaults to <repo>/native/include/rtc/rtc.h
//   outputDir  defaults to <repo>/src/Bindings/Generated
//   --check    do not write; exit 1 if the files in outputDir differ from what would be generated
using WebRtcNative.BindingsGenerator;

bool check = args.Contains("--check");
string[] positional = args.Where(a => a != "--check").ToArray();
if (positional.Any(a => a is "-h" or "--help"))
{
    Console.WriteLine("usage: BindingsGenerator [--check] [header=native/include/rtc/rtc.h] [outputDir=src/Bindings/Generated]");
    return 0;
}

string? repoRoot = RepoRoot.Find();
string header = positional.Length > 0 ? Path.GetFullPath(positional[0])
    : repoRoot != null ? Path.Combine(repoRoot, "native", "include", "rtc", "rtc.h")
    : throw new InvalidOperationException("repo root not found (no native/include/rtc/rtc.h above the current directory); pass the header path");
string outDir = positional.Length > 1 ? Path.GetFullPath(positional[1])
    : repoRoot != null ? Path.Combine(repoRoot, "src", "Bindings", "Generated")
    : throw new InvalidOperationException("repo root not found; pass the output directory");

string display = RepoRoot.DisplayPath(header, repoRoot);
var files = Generator.Generate(header, display);
if (Environment.GetEnvironmentVariable("BINDGEN_VERBOSE") == "1")
    Console.Error.Write(Generator.LastParseInfo);
if (check)
{
    var stale = RepoRoot.Diff(files, outDir);
    foreach (string s in stale)
        Console.Error.WriteLine($"out of date: {s}");
    if (stale.Count > 0)
    {
        Console.Error.WriteLine("Generated bindings are stale: run `dotnet run --project tools/BindingsGenerator`.");
        return 1;
    }
    Console.WriteLine($"{files.Count} generated files up to date in {outDir}");
    return 0;
}
Generator.Write(files, outDir);
Console.WriteLine($"wrote {files.Count} files to {outDir} from {display}");
return 0;
