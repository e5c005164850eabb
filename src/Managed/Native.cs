using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using WebRtcNative.Bindings;

namespace WebRtcNative;

/// <summary>Small helpers around the raw C API.</summary>
internal static unsafe class Native
{
    internal static Error MapError(int code) => code switch
    {
        >= 0 => Error.Ok,
        RtcNative.RTC_ERR_INVALID => Error.InvalidParameter,
        RtcNative.RTC_ERR_FAILURE => Error.Failed,
        RtcNative.RTC_ERR_NOT_AVAIL => Error.Unavailable,
        RtcNative.RTC_ERR_TOO_SMALL => Error.ParameterRangeError,
        _ => Error.Failed,
    };

    internal static string DescribeError(int code) => code switch
    {
        RtcNative.RTC_ERR_INVALID => "RTC_ERR_INVALID",
        RtcNative.RTC_ERR_FAILURE => "RTC_ERR_FAILURE",
        RtcNative.RTC_ERR_NOT_AVAIL => "RTC_ERR_NOT_AVAIL",
        RtcNative.RTC_ERR_TOO_SMALL => "RTC_ERR_TOO_SMALL",
        _ => code.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>Decodes a NUL-terminated UTF-8 string (null pointer: empty string).</summary>
    internal static string Utf8(byte* p) =>
        p == null ? string.Empty : Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(p));

    /// <summary>Encodes <paramref name="s"/> as NUL-terminated UTF-8 (null stays null).</summary>
    internal static byte[]? Utf8Z(string? s)
    {
        if (s is null)
            return null;
        var bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, 0, s.Length, bytes, 0);
        return bytes;
    }

    /// <summary>Reads a string through a C getter of the form <c>(id, char *buffer, int size)</c>.</summary>
    internal static string? GetString(int id, delegate*<int, byte*, int, int> getter)
    {
        Span<byte> stack = stackalloc byte[256];
        fixed (byte* p = stack)
        {
            int r = getter(id, p, stack.Length);
            if (r > 0)
                return Encoding.UTF8.GetString(stack.Slice(0, r - 1 < 0 ? 0 : r - 1)).TrimEnd('\0');
            if (r != RtcNative.RTC_ERR_TOO_SMALL && r != 0)
                return null;
        }
        int size = getter(id, null, 0);
        if (size <= 0)
            return size == 0 ? string.Empty : null;
        var buffer = new byte[size];
        fixed (byte* p = buffer)
        {
            int r = getter(id, p, size);
            if (r <= 0)
                return null;
            return Encoding.UTF8.GetString(buffer, 0, Math.Max(0, r - 1)).TrimEnd('\0');
        }
    }
}

/// <summary>
/// WebRtcNative extensions of the C API (native/include/rtc/rtc.h, "extensions" section). An upstream
/// libdatachannel does not export them: each is looked up once and the managed layer falls back when it is missing.
/// </summary>
internal static class NativeExtensions
{
    private static int s_sendText, s_restartIce; // 0: not looked up yet, 1: exported, 2: missing

    /// <summary>Whether <c>rtcSendText</c> (text with an explicit length) is exported.</summary>
    internal static bool HasSendText => Has(ref s_sendText, "rtcSendText");

    /// <summary>Tests: behave as on an upstream library without <c>rtcSendText</c> (true), or look it up again (false).</summary>
    internal static void SimulateMissingSendText(bool missing) => Volatile.Write(ref s_sendText, missing ? 2 : 0);

    /// <summary>Whether <c>rtcRestartIce</c> (ICE restart) is exported.</summary>
    internal static bool HasRestartIce => Has(ref s_restartIce, "rtcRestartIce");

    /// <summary>Tests: behave as on an upstream library without <c>rtcRestartIce</c> (true), or look it up again (false).</summary>
    internal static void SimulateMissingRestartIce(bool missing) => Volatile.Write(ref s_restartIce, missing ? 2 : 0);

    private static bool Has(ref int cache, string name)
    {
        int v = Volatile.Read(ref cache);
        if (v == 0)
            Volatile.Write(ref cache, v = Lookup(name) ? 1 : 2);
        return v == 1;
    }

    internal static bool Lookup(string name)
    {
        try
        {
            return NativeLibrary.TryGetExport(RtcNativeLibrary.Load(), name, out _);
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return false;
        }
    }
}

/// <summary>
/// Maps the integer keys handed to native code as user pointers to managed objects. Keys are never
/// reused, so a late callback carrying the key of a disposed object finds nothing and does nothing:
/// native code never holds a pointer to managed memory.
/// </summary>
internal static class HandleTable
{
    private static readonly ConcurrentDictionary<int, object> s_objects = new();
    private static int s_next;

    internal static int Add(object target)
    {
        while (true)
        {
            int key = Interlocked.Increment(ref s_next);
            if (key <= 0)
            {
                // 2^31 objects later: wrap around, skipping 0 and keys still in use.
                Interlocked.CompareExchange(ref s_next, 0, key);
                continue;
            }
            if (s_objects.TryAdd(key, target))
                return key;
        }
    }

    internal static T? Get<T>(nint key) where T : class =>
        s_objects.TryGetValue((int)key, out var o) ? o as T : null;

    internal static void Remove(int key)
    {
        if (key > 0)
            s_objects.TryRemove(key, out _);
    }

    /// <summary>Number of live entries (diagnostics and tests).</summary>
    internal static int Count => s_objects.Count;

    /// <summary>The live objects of type <typeparamref name="T"/> (a snapshot; for shutdown).</summary>
    internal static List<T> Snapshot<T>() where T : class
    {
        var list = new List<T>();
        foreach (var o in s_objects.Values)
            if (o is T t)
                list.Add(t);
        return list;
    }
}

/// <summary>
/// Deletes native objects on one dedicated background thread. <c>rtcDelete*</c> waits for in-flight
/// callbacks and may block; it must never run on a native callback thread (deadlock) and should not
/// stall the game thread, so <c>Dispose</c> closes synchronously and leaves the deletion to this thread.
/// Objects of a connection closed gracefully (<c>rtcClosePeerConnection</c>: SCTP ends with a SHUTDOWN,
/// so that what was sent still arrives) are deleted only after that shutdown's bound, because deleting
/// aborts it; the native transports are gone as soon as the shutdown completes, only the handles wait.
/// </summary>
internal static class Reaper
{
    /// <summary>The native core bounds a graceful close to 2 s (rtc.h, rtcClosePeerConnection); a margin on top.</summary>
    internal static readonly TimeSpan GracefulCloseBound = TimeSpan.FromMilliseconds(2200);

    private readonly struct Item
    {
        public Item(int id, bool isPeerConnection, long due) { Id = id; IsPeerConnection = isPeerConnection; Due = due; }
        public int Id { get; }
        public bool IsPeerConnection { get; }
        /// <summary>Stopwatch timestamp before which the object is not deleted (0: at once).</summary>
        public long Due { get; }
    }

    private static readonly ConcurrentQueue<Item> s_queue = new();
    private static readonly SemaphoreSlim s_signal = new(0);
    private static readonly object s_startLock = new();
    private static readonly List<Item> s_delayed = new();   // the deleter thread's own
    private static Thread? s_thread;
    private static int s_stopping;
    private static long s_enqueued;
    private static long s_done;

    internal static void DeleteChannel(int dc, bool afterGracefulClose = false) => Enqueue(new Item(dc, false, DueOf(afterGracefulClose)));

    internal static void DeletePeerConnection(int pc, bool afterGracefulClose = false) => Enqueue(new Item(pc, true, DueOf(afterGracefulClose)));

    private static long DueOf(bool afterGracefulClose) =>
        afterGracefulClose ? Stopwatch.GetTimestamp() + (long)(GracefulCloseBound.TotalSeconds * Stopwatch.Frequency) : 0;

    /// <summary>Number of native objects deleted so far (diagnostics and tests).</summary>
    internal static long Deleted => Interlocked.Read(ref s_done);

    /// <summary>Number of deletions not finished yet.</summary>
    internal static long Pending => Interlocked.Read(ref s_enqueued) - Interlocked.Read(ref s_done);

    /// <summary>Waits until every deletion queued so far has finished (those after a graceful close take up to
    /// <see cref="GracefulCloseBound"/>).</summary>
    internal static bool WaitIdle(TimeSpan timeout)
    {
        long target = Interlocked.Read(ref s_enqueued);
        var deadline = DateTime.UtcNow + timeout;
        while (Interlocked.Read(ref s_done) < target)
        {
            if (DateTime.UtcNow > deadline)
                return false;
            Thread.Sleep(1);
        }
        return true;
    }

    private static void Enqueue(Item item)
    {
        if (item.Id <= 0)
            return;
        EnsureThread();
        Interlocked.Increment(ref s_enqueued);
        s_queue.Enqueue(item);
        s_signal.Release();
    }

    private static void EnsureThread()
    {
        if (Volatile.Read(ref s_thread) is not null)
            return;
        lock (s_startLock)
        {
            if (s_thread is not null)
                return;
            var t = new Thread(Run) { IsBackground = true, Name = "WebRtcNative deleter" };
            t.Start();
            Volatile.Write(ref s_thread, t);
        }
    }

    /// <summary>
    /// Finishes the queued deletions, the delayed ones at once, and ends the thread (shutdown and assembly
    /// unload: a thread running code of a collectible assembly keeps it loaded). A later deletion starts a new thread.
    /// </summary>
    internal static bool Stop(TimeSpan timeout)
    {
        Thread? t;
        lock (s_startLock)
        {
            t = s_thread;
            if (t is null)
                return true;
            Volatile.Write(ref s_stopping, 1);
            s_signal.Release();
        }
        bool joined = t.Join(timeout);
        lock (s_startLock)
        {
            if (joined)
                s_thread = null;
            Volatile.Write(ref s_stopping, 0);
        }
        return joined;
    }

    private static void Run()
    {
        while (true)
        {
            bool stopping = Volatile.Read(ref s_stopping) != 0;
            // Delayed deletions whose time has come (all of them when stopping), in the order they came.
            long now = Stopwatch.GetTimestamp();
            for (int i = 0; i < s_delayed.Count;)
            {
                if (stopping || s_delayed[i].Due <= now)
                {
                    var due = s_delayed[i];
                    s_delayed.RemoveAt(i);
                    Delete(due);
                }
                else
                    i++;
            }
            int waitMs = Timeout.Infinite;
            if (s_delayed.Count > 0)
            {
                long next = long.MaxValue;
                foreach (var d in s_delayed)
                    next = Math.Min(next, d.Due);
                waitMs = (int)Math.Clamp((next - now) * 1000 / Stopwatch.Frequency + 1, 1, int.MaxValue);
            }
            if (!s_signal.Wait(waitMs))
                continue;   // a delayed deletion is due
            if (!s_queue.TryDequeue(out var item))
            {
                if (Volatile.Read(ref s_stopping) != 0)
                {
                    foreach (var d in s_delayed)
                        Delete(d);
                    s_delayed.Clear();
                    return; // every item had its own signal: none is left
                }
                continue;
            }
            if (item.Due != 0 && Volatile.Read(ref s_stopping) == 0)
                s_delayed.Add(item);
            else
                Delete(item);
        }
    }

    private static void Delete(Item item)
    {
        try
        {
            int r = item.IsPeerConnection ? RtcNative.rtcDeletePeerConnection(item.Id) : RtcNative.rtcDelete(item.Id);
            if (r < 0 && WebRtcLog.IsEnabled(WebRtcLogLevel.Debug))
                WebRtcLog.Write(WebRtcLogLevel.Debug, $"deleter: {(item.IsPeerConnection ? "rtcDeletePeerConnection" : "rtcDelete")}({item.Id}) returned {Native.DescribeError(r)}");
        }
        catch (Exception e)
        {
            WebRtcLog.Write(WebRtcLogLevel.Error, "deleter: " + e.Message);
        }
        finally
        {
            Interlocked.Increment(ref s_done);
        }
    }
}
