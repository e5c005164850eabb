// Runs the xunit tests compiled into this assembly in-process, through xunit's own test
// framework (discoverer + executor of xunit.execution), and prints one line per failure and a
// closing "net8: N passed, M failed, K skipped" line (read by build.cake). Exit code 1 on any
// failure or when no test ran.
//
// Why not `dotnet test`: vstest starts its test host through the `dotnet` muxer with the
// machine's shared runtimes (only .NET 10 here), whereas this self-contained executable carries
// its own .NET 8 runtime. (xunit.runner.utility, the usual in-process runner, is not on the
// package feed this project can reach.)
using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace WebRtcNative.Tests.Net8;

public static class Net8Program
{
    public static int Main(string[] args)
    {
        string? classFilter = args.Length > 0 ? args[0] : null;
        Console.WriteLine($"net8: runtime {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier})");
        if (Environment.Version.Major != 8)
        {
            Console.WriteLine("net8: FAIL: not running on .NET 8");
            return 1;
        }

        Assembly assembly = typeof(Net8Program).Assembly;
        var options = RunnerOptions.FromConfig(Path.Combine(AppContext.BaseDirectory, "xunit.runner.json"));
        using var framework = new XunitTestFramework(new NullMessageSink());

        var discovery = new DiscoverySink();
        using (var discoverer = framework.GetDiscoverer(Reflector.Wrap(assembly)))
        {
            discoverer.Find(includeSourceInformation: false, discovery, options);
            discovery.Finished.Wait();
        }
        var cases = discovery.TestCases
            .Where(tc => classFilter == null || tc.TestMethod.TestClass.Class.Name.Contains(classFilter, StringComparison.Ordinal))
            .ToList();
        Console.WriteLine($"net8: {cases.Count} test cases");

        var results = new ResultSink();
        using (var executor = framework.GetExecutor(assembly.GetName()))
        {
            executor.RunTests(cases, results, options);
            results.Finished.Wait();
        }
        Console.WriteLine($"net8: {results.Passed} passed, {results.Failed} failed, {results.Skipped} skipped");
        return results.Failed == 0 && results.Passed > 0 ? 0 : 1;
    }
}

/// <summary>Collects the discovered test cases.</summary>
sealed class DiscoverySink : LongLivedMarshalByRefObject, IMessageSink
{
    public readonly List<ITestCase> TestCases = new();
    public readonly ManualResetEventSlim Finished = new();

    public bool OnMessage(IMessageSinkMessage message)
    {
        if (message is ITestCaseDiscoveryMessage found) TestCases.Add(found.TestCase);
        else if (message is IDiscoveryCompleteMessage) Finished.Set();
        return true;
    }
}

/// <summary>Counts results and prints failures and skips as they come.</summary>
sealed class ResultSink : LongLivedMarshalByRefObject, IMessageSink
{
    public int Passed, Failed, Skipped;
    public readonly ManualResetEventSlim Finished = new();
    private readonly object _gate = new();

    public bool OnMessage(IMessageSinkMessage message)
    {
        switch (message)
        {
            case ITestPassed:
                Interlocked.Increment(ref Passed);
                break;
            case ITestSkipped skip:
                Interlocked.Increment(ref Skipped);
                lock (_gate) Console.WriteLine($"net8: SKIP {skip.Test.DisplayName}: {skip.Reason}");
                break;
            case ITestFailed fail:
                Interlocked.Increment(ref Failed);
                lock (_gate)
                    Console.WriteLine($"net8: FAIL {fail.Test.DisplayName}: {string.Join(" / ", fail.Messages)}\n" +
                                      string.Join("\n", fail.StackTraces));
                break;
            case ITestAssemblyFinished:
                Finished.Set();
                break;
        }
        return true;
    }
}

/// <summary>Discovery/execution options, taking the suite's xunit.runner.json parallelism settings.</summary>
sealed class RunnerOptions : ITestFrameworkDiscoveryOptions, ITestFrameworkExecutionOptions
{
    private readonly Dictionary<string, object?> _values = new();

    public static RunnerOptions FromConfig(string path)
    {
        var o = new RunnerOptions();
        if (File.Exists(path))
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            if (root.TryGetProperty("parallelizeTestCollections", out var par))
                o.SetValue("xunit.execution.DisableParallelization", !par.GetBoolean());
            if (root.TryGetProperty("maxParallelThreads", out var max))
                o.SetValue("xunit.execution.MaxParallelThreads", max.GetInt32());
        }
        return o;
    }

    public TValue GetValue<TValue>(string name) =>
        _values.TryGetValue(name, out var v) && v is TValue t ? t : default!;

    public void SetValue<TValue>(string name, TValue value) => _values[name] = value;
}
