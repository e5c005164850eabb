// WebRtcNative build script (Cake 7). Usage:
//   dotnet tool restore && dotnet cake --target=Test
// Targets: Bootstrap, Native, NativeTest, Generate, Build, DotnetTest, Test, Pack, PackageTest, Bench, Demo,
//          NativeWin, NativeArm64, CrossTest, BenchWin (cake/cross.cake).
// Options: --configuration=Release  --interop (Bootstrap: also install the interop peers)
//          --native-build-dir=native/build  --cmake-args="-DWEBRTCNATIVE_SANITIZE=ON ..."
#load "cake/cross.cake"
using System.Text.RegularExpressions;
using System.Xml.Linq;

var target = Argument("target", "Test");
var configuration = Argument("configuration", "Release");
var nativeConfig = "RelWithDebInfo";
var interop = HasArgument("interop") || target == "Test";   // tests install every interop peer
var cmakeArgs = Argument("cmake-args", "");

var repo = MakeAbsolute(Directory(".")).FullPath;
var nativeBuildDir = MakeAbsolute(Directory(Argument("native-build-dir", "native/build"))).FullPath;
var rid = (IsRunningOnWindows() ? "win" : IsRunningOnMacOs() ? "osx" : "linux") + "-" +
          (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x64");
var nativePrefix = $"{repo}/runtimes/{rid}/native";
var artifacts = $"{repo}/artifacts";
var testResults = $"{artifacts}/test-results";
var packagesDir = $"{artifacts}/packages";
var solution = $"{repo}/WebRtcNative.sln";

// ------------------------------------------------------------------------------------------
// Helpers
// ------------------------------------------------------------------------------------------
int Run(string tool, string args, bool throwOnError = true, List<string> capture = null)
{
    Information("> {0} {1}", tool, args);
    var settings = new ProcessSettings { Arguments = args, WorkingDirectory = repo };
    if (capture != null)
    {
        settings.RedirectStandardOutput = true;
        settings.RedirectedStandardOutputHandler = line =>
        {
            if (line != null) { Console.WriteLine(line); capture.Add(line); }
            return line;
        };
    }
    var rc = StartProcess(tool, settings);
    if (rc != 0 && throwOnError)
        throw new Exception($"'{tool} {args}' exited with code {rc}");
    return rc;
}

// Result of one group of tests, for the summary line.
class Counts
{
    public string Name;
    public int Passed, Failed, Skipped;
    public string Note;
    // Names of the failed tests, printed at the very end of the run: CI keeps only the log's tail.
    public List<string> FailedNames = new List<string>();
    public Counts(string name) { Name = name; }
}

Counts RunNativeTests() => RunNativeTestsIn(nativeBuildDir, "native ctest");

// The native suite again, built with AddressSanitizer + UBSan in its own tree (issue: memory
// safety is checked on every run, not only by the workflow).
Counts RunSanitizedNativeTests() =>
    // The 20 % loss run (about a minute of relay delays) adds no code path the others miss.
    RunNativeTestsWith("build-asan", "-DWEBRTCNATIVE_SANITIZE=ON", "native ctest ASan+UBSan",
                       "-E capi_reliability_loss20");

// And with ThreadSanitizer (issue 11: lifetimes across loops and user threads). Every report
// fails its test; native/tests/tsan.supp may only name uninstrumented system-library functions.
// Both loss runs are left out: under TSan's slowdown they measure the machine, not the code.
Counts RunThreadSanitizedNativeTests() =>
    RunNativeTestsWith("build-tsan", "-DWEBRTCNATIVE_TSAN=ON", "native ctest TSan",
                       "-E capi_reliability_loss");

Counts RunNativeTestsWith(string tree, string option, string name, string extraArgs)
{
    var dir = $"{repo}/native/{tree}";
    if (!FileExists($"{dir}/CMakeCache.txt"))
        Run("cmake", $"-S \"{repo}/native\" -B \"{dir}\" -DCMAKE_BUILD_TYPE=Debug {option}");
    Run("cmake", $"--build \"{dir}\" -j 2");
    return RunNativeTestsIn(dir, name, extraArgs);
}

// The libFuzzer harnesses (SDP, candidate, DCEP, data channel) for a short fixed number of runs
// over their committed seed corpora; one result per harness.
Counts RunFuzzers()
{
    var c = new Counts("fuzz");
    var lines = new List<string>();
    var runs = Argument("fuzz-runs", "5000");
    int rc = Run("sh", $"native/fuzz/run.sh {runs}", throwOnError: false, capture: lines);
    int started = lines.Count(l => l.StartsWith("== fuzz_"));
    int failed = lines.Count(l => l.EndsWith(" FAILED"));
    c.Failed = failed;
    c.Passed = started - failed;
    if (rc != 0 && failed == 0) { c.Failed = 1; c.Note = $"run.sh exited with {rc}"; }
    return c;
}

// The native test executables under valgrind memcheck: 0 errors and 0 definitely lost bytes
// each (the impaired-network tests are left out: they time against the relay's delays).
Counts RunValgrind()
{
    var c = new Counts("valgrind");
    var lines = new List<string>();
    int rc = Run("sh", $"native/tests/valgrind.sh \"{nativeBuildDir}\"", throwOnError: false, capture: lines);
    foreach (var l in lines.Where(l => l.Contains(": exit ") && l.Contains("definitely lost")))
    {
        if (l.Contains(": exit 0,")) c.Passed++; else c.Failed++;
    }
    if (rc != 0 && c.Failed == 0) { c.Failed = 1; c.Note = $"valgrind.sh exited with {rc}"; }
    return c;
}

Counts RunNativeTestsIn(string buildDir, string name, string extraArgs = "")
{
    var c = new Counts(name);
    EnsureDirectoryExists(testResults);
    var junit = $"{testResults}/ctest-{name.Replace(' ', '-').Replace('+', '-')}.xml";
    if (FileExists(junit)) DeleteFile(junit);
    var rc = Run("ctest", $"--test-dir \"{buildDir}\" -C {nativeConfig} --output-on-failure " +
                          $"--no-tests=error --output-junit \"{junit}\" {extraArgs}", throwOnError: false);
    if (FileExists(junit))
    {
        foreach (var tc in XDocument.Load(junit).Descendants("testcase"))
        {
            var status = (string)tc.Attribute("status") ?? "";
            if (tc.Element("failure") != null || status == "fail") { c.Failed++; c.FailedNames.Add((string)tc.Attribute("name")); }
            else if (status == "run") c.Passed++;
            else c.Skipped++;
        }
    }
    if (rc != 0 && c.Failed == 0)
    {
        c.Failed++;
        c.Note = $"ctest exited with {rc}";
    }
    return c;
}

// Test projects in the solution: those referencing the test SDK.
List<string> TestProjects() =>
    new[] { "src", "tests", "tools", "samples", "bench" }
        .Where(d => DirectoryExists($"{repo}/{d}"))
        .SelectMany(d => GetFiles($"{repo}/{d}/**/*.csproj"))
        .Select(f => f.FullPath)
        .Where(p => !p.Contains("/tests/Packaging/"))
        .Where(p => System.IO.File.ReadAllText(p) is var t &&
                    (t.Contains("Microsoft.NET.Test.Sdk") || t.Contains("<IsTestProject>true")))
        .ToList();

Counts RunDotnetTests()
{
    var c = new Counts("dotnet");
    var trxDir = $"{testResults}/dotnet";
    if (DirectoryExists(trxDir)) DeleteDirectory(trxDir, new DeleteDirectorySettings { Recursive = true, Force = true });
    EnsureDirectoryExists(trxDir);
    var rc = Run("dotnet", $"test \"{solution}\" -c {configuration} --no-build " +
                           "--logger \"console;verbosity=normal\" --logger trx " +
                           $"--results-directory \"{trxDir}\" --blame-hang-timeout 10m", throwOnError: false);
    var trxFiles = GetFiles($"{trxDir}/**/*.trx").ToList();
    foreach (var trx in trxFiles)
    {
        var doc = XDocument.Load(trx.FullPath);
        foreach (var r in doc.Descendants().Where(e => e.Name.LocalName == "UnitTestResult"))
        {
            switch ((string)r.Attribute("outcome"))
            {
                case "Passed": c.Passed++; break;
                case "NotExecuted": case "Inconclusive": case "Pending": c.Skipped++; break;
                default: c.Failed++; c.FailedNames.Add((string)r.Attribute("testName")); break;   // Failed, Error, Timeout, Aborted, ...
            }
        }
    }
    var expected = TestProjects().Count;
    if (trxFiles.Count < expected)
    {
        c.Failed++;
        c.Note = $"{expected} test projects but {trxFiles.Count} result files";
    }
    else if (rc != 0 && c.Failed == 0)
    {
        c.Failed++;
        c.Note = $"dotnet test exited with {rc}";
    }
    return c;
}

void PackManaged()
{
    var project = $"{repo}/src/Managed/WebRtcNative.csproj";
    if (!FileExists(project))
        throw new Exception($"{project} does not exist yet: nothing to pack");
    if (!FileExists($"{nativePrefix}/{NativeLibraryName()}"))
        throw new Exception($"{nativePrefix} has no native library: run the Native target first");
    EnsureDirectoryExists(packagesDir);
    DeleteFiles($"{packagesDir}/WebRtcNative.*nupkg");
    Run("dotnet", $"pack \"{project}\" -c {configuration} -o \"{packagesDir}\" " +
                  "-p:IncludeSymbols=true -p:SymbolPackageFormat=snupkg");
    // The companion package (routes WebRtcLog to Microsoft.Extensions.Logging; depends on WebRtcNative).
    Run("dotnet", $"pack \"{repo}/src/Extensions.Logging/WebRtcNative.Extensions.Logging.csproj\" -c {configuration} " +
                  $"-o \"{packagesDir}\" -p:IncludeSymbols=true -p:SymbolPackageFormat=snupkg");
}

string NativeLibraryName() =>
    IsRunningOnWindows() ? "libwebrtcnative.dll" : IsRunningOnMacOs() ? "libwebrtcnative.dylib" : "libwebrtcnative.so";

// Runs a tests/Packaging script and reads its closing "<name>: N passed, M failed" line.
Counts RunScriptTest(string name, string script, string args)
{
    var c = new Counts(name);
    var output = new List<string>();
    var rc = Run("bash", $"\"{repo}/{script}\" {args}", throwOnError: false, capture: output);
    var m = output.Select(l => Regex.Match(l, @"^\S+: (\d+) passed, (\d+) failed$")).LastOrDefault(x => x.Success);
    if (m != null) { c.Passed = int.Parse(m.Groups[1].Value); c.Failed = int.Parse(m.Groups[2].Value); }
    if (rc != 0 && c.Failed == 0) { c.Failed++; c.Note = $"{script} exited with {rc}"; }
    return c;
}

List<Counts> RunPackagingTests()
{
    var results = new List<Counts>();
    if (IsRunningOnLinux())
        results.Add(RunScriptTest("native deps", "tests/Packaging/check-native-deps.sh", $"\"{nativePrefix}\""));
    results.Add(RunScriptTest("packaging", "tests/Packaging/run-consumer-test.sh", $"\"{packagesDir}\""));
    return results;
}

string Describe(Counts c)
{
    var s = c.Name == "dotnet"
        ? $"{c.Name} {c.Passed} passed, {c.Failed} failed, {c.Skipped} skipped"
        : $"{c.Name} {c.Passed}/{c.Passed + c.Failed} passed" + (c.Skipped > 0 ? $", {c.Skipped} skipped" : "");
    return c.Note != null ? $"{s} [{c.Note}]" : s;
}

void PrintSummary(List<Counts> all)
{
    var passed = all.Sum(c => c.Passed);
    var failed = all.Sum(c => c.Failed);
    var skipped = all.Sum(c => c.Skipped);
    Console.WriteLine();
    Console.WriteLine("SUMMARY: " + string.Join("; ", all.Select(Describe)));
    // The same totals as one plain "N passed, N failed, N skipped" line, for tools that read it.
    Console.WriteLine($"TOTAL: {passed} passed, {failed} failed, {skipped} skipped");
    foreach (var c in all.Where(c => c.FailedNames.Count > 0))
        Console.WriteLine($"FAILED in {c.Name}: " + string.Join("; ", c.FailedNames.Take(20)));
    if (failed > 0)
        throw new Exception($"{failed} test(s) failed");
}

// ------------------------------------------------------------------------------------------
// Targets
// ------------------------------------------------------------------------------------------
Task("Bootstrap")
    .Description("Installs missing system packages (Debian/Ubuntu; --interop adds the interop peers).")
    .Does(() =>
{
    if (!IsRunningOnLinux())
    {
        Information("Bootstrap: not Linux; install the native dependencies with your package manager (see README).");
        return;
    }
    Run("bash", $"\"{repo}/scripts/bootstrap.sh\"" + (interop ? " --interop" : "") + (CrossWanted() ? " --cross" : ""));
});

Task("Native")
    .Description("CMake configure (first time only), build and install into runtimes/<rid>/native.")
    .Does(() =>
{
    if (!FileExists($"{nativeBuildDir}/CMakeCache.txt"))
        Run("cmake", $"-S \"{repo}/native\" -B \"{nativeBuildDir}\" -DCMAKE_BUILD_TYPE={nativeConfig} {cmakeArgs}");
    Run("cmake", $"--build \"{nativeBuildDir}\" --config {nativeConfig} -j 2");
    Run("cmake", $"--install \"{nativeBuildDir}\" --config {nativeConfig} --prefix \"{nativePrefix}\"");
});

Task("NativeTest")
    .Description("Runs the native tests (ctest), then again under ASan+UBSan and under TSan.")
    .IsDependentOn("Native")
    .Does(() =>
{
    var results = new[] { RunNativeTests(), RunSanitizedNativeTests(), RunThreadSanitizedNativeTests() };
    foreach (var c in results) Information("{0}", Describe(c));
    if (results.Any(c => c.Failed > 0)) throw new Exception("native tests failed");
});

Task("Generate")
    .Description("Regenerates src/Bindings/Generated from native/include/rtc/rtc.h.")
    .Does(() =>
{
    Run("dotnet", $"run --project \"{repo}/tools/BindingsGenerator\" -- native/include/rtc/rtc.h src/Bindings/Generated");
});

Task("Build")
    .Description("Builds the solution.")
    .Does(() =>
{
    Run("dotnet", $"build \"{solution}\" -c {configuration}");
});

Task("Pack")
    .Description("Packs WebRtcNative.<version>.nupkg and WebRtcNative.Extensions.Logging.<version>.nupkg (+ .snupkg) into artifacts/packages.")
    .IsDependentOn("Native")
    .Does(() => PackManaged());

Task("PackageTest")
    .Description("Checks the native asset's dependencies and runs the consumer test against the package.")
    .IsDependentOn("Pack")
    .Does(() =>
{
    var results = RunPackagingTests();
    foreach (var c in results) Information("{0}", Describe(c));
    if (results.Any(c => c.Failed > 0)) throw new Exception("packaging tests failed");
});

Task("DotnetTest")
    .Description("Builds the solution and runs dotnet test only (no native, no packaging).")
    .IsDependentOn("Build")
    .Does(() => PrintSummary(new List<Counts> { RunDotnetTests() }));

Task("Test")
    .Description("Everything: native ctest, dotnet test, pack and the consumer test, with one summary.")
    .IsDependentOn("Bootstrap")
    .IsDependentOn("Native")
    .IsDependentOn("Build")
    .Does(() =>
{
    var all = new List<Counts>();
    all.Add(RunNativeTests());
    all.Add(RunSanitizedNativeTests());
    all.Add(RunThreadSanitizedNativeTests());
    all.Add(RunValgrind());
    all.Add(RunFuzzers());
    all.Add(RunDotnetTests());
    all.AddRange(RunCross());   // cake/cross.cake: win-x64 (Wine), linux-arm64 (qemu), net8.0
    try
    {
        PackManaged();
        all.AddRange(RunPackagingTests());
        all.AddRange(RunCrossPackagingTests());   // cake/cross.cake: every RID in the nupkg
    }
    catch (Exception e)
    {
        Error("Pack failed: {0}", e.Message);
        all.Add(new Counts("packaging") { Failed = 1, Note = "pack failed" });
    }
    PrintSummary(all);
});

Task("Bench")
    .Description("Runs bench/WebRtcNative.Bench if it exists.")
    .IsDependentOn("Native")
    .Does(() =>
{
    var project = $"{repo}/bench/WebRtcNative.Bench";
    if (!DirectoryExists(project) || !GetFiles($"{project}/*.csproj").Any())
    {
        Information("bench/WebRtcNative.Bench does not exist yet: nothing to run.");
        return;
    }
    Run("dotnet", $"run -c Release --project \"{project}\"");
});

Task("Demo")
    .Description("Runs the two-peer loopback demo.")
    .IsDependentOn("Bootstrap")
    .IsDependentOn("Native")
    .Does(() =>
{
    if (!FileExists($"{repo}/samples/Demo/Demo.csproj"))
        throw new Exception("samples/Demo/Demo.csproj does not exist yet");
    Run("dotnet", "run -c Release --project samples/Demo");
});

Task("MeshGame")
    .Description("Runs the MeshGame demo: a lobby and four WebRtcMultiplayerPeer games on loopback for 10 s.")
    .IsDependentOn("Bootstrap")
    .IsDependentOn("Native")
    .Does(() =>
{
    Run("bash", $"\"{repo}/scripts/meshgame.sh\" 10");
});

RunTarget(target);
