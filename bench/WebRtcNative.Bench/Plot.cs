using System.Buffers.Binary;
using System.IO.Compression;
using System.Text.Json.Nodes;

namespace WebRtcNative.Bench;

/// <summary>
/// Throughput vs message size, managed vs raw, drawn from the JSON into a PNG with no dependency
/// (a tiny rasterizer, a 5x7 font and a PNG encoder): left MB/s (linear), right msg/s (log).
/// </summary>
internal static class Plot
{
    private const int W = 1000, H = 460;
    private static readonly (byte R, byte G, byte B) Managed = (31, 119, 180), Raw = (230, 110, 20), Grid = (225, 225, 225), Ink = (40, 40, 40);

    public static void FromJson(JsonNode root, string pngPath)
    {
        var sweep = root["sweep"] as JsonArray ?? throw new InvalidOperationException("the JSON has no sweep section");
        var sizes = new List<int>();
        var mMB = new List<double>(); var rMB = new List<double>(); var mMsg = new List<double>(); var rMsg = new List<double>();
        foreach (var row in sweep)
        {
            sizes.Add(row!["msg_size"]!.GetValue<int>());
            mMB.Add(Json.D(row["managed"], "recv_MBps"));
            rMB.Add(Json.D(row["raw"], "recv_MBps"));
            mMsg.Add(Json.D(row["managed"], "recv_msgs_per_s"));
            rMsg.Add(Json.D(row["raw"], "recv_msgs_per_s"));
        }
        var img = new Image(W, H);
        string when = root["timestamp_utc"]?.GetValue<string>() ?? "";
        string cpu = root["machine"]?["cpu_model"]?.GetValue<string>() ?? "";
        int cores = root["machine"]?["cores"]?.GetValue<int>() ?? 0;
        img.Text(20, 12, "WEBRTCNATIVE: THROUGHPUT VS MESSAGE SIZE (RELIABLE ORDERED, LOOPBACK)", Ink, 2);
        string load = string.Join(" ", (root["machine"]?["load_average_start"]?.GetValue<string>() ?? "").Split(' ').Take(3));
        img.Text(20, 36, $"{when}  {cores} CORES  {cpu}  LOAD AVERAGE AT START {load}  ({root["options"]?["sweep_duration_s"]} S PER POINT)", (110, 110, 110), 1);
        Panel(img, 20, 60, 470, 370, "RECEIVED MB/S", sizes, mMB, rMB, log: false);
        Panel(img, 510, 60, 470, 370, "RECEIVED MSG/S (LOG)", sizes, mMsg, rMsg, log: true);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pngPath))!);
        File.WriteAllBytes(pngPath, img.EncodePng());
    }

    private static void Panel(Image img, int x0, int y0, int w, int h, string title, List<int> sizes, List<double> managed, List<double> raw, bool log)
    {
        int left = x0 + 70, right = x0 + w - 10, top = y0 + 30, bottom = y0 + h - 40;
        img.Text(left, y0 + 6, title, Ink, 2);
        var all = managed.Concat(raw).Where(v => !double.IsNaN(v) && v > 0).ToList();
        double max = all.Count > 0 ? all.Max() : 1;
        double min = all.Count > 0 ? all.Min() : 1;
        double lo, hi;
        var ticks = new List<double>();
        if (log)
        {
            lo = Math.Pow(10, Math.Floor(Math.Log10(min)));
            hi = Math.Pow(10, Math.Ceiling(Math.Log10(max)));
            if (hi <= lo) hi = lo * 10;
            for (double t = lo; t <= hi * 1.0001; t *= 10) ticks.Add(t);
        }
        else
        {
            lo = 0;
            double step = NiceStep(max / 5);
            hi = Math.Ceiling(max / step) * step;
            if (hi <= 0) hi = 1;
            for (double t = 0; t <= hi + step / 2; t += step) ticks.Add(t);
        }
        double Y(double v) => log
            ? bottom - (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * (bottom - top)
            : bottom - (v - lo) / (hi - lo) * (bottom - top);
        double X(int i) => sizes.Count == 1 ? (left + right) / 2.0 : left + 15 + i * (right - left - 30.0) / (sizes.Count - 1);

        foreach (var t in ticks)
        {
            int y = (int)Math.Round(Y(t));
            img.Line(left, y, right, y, Grid, 1);
            string label = Short(t);
            img.Text(left - 8 - label.Length * 6 * 1, y - 3, label, Ink, 1);
        }
        for (int i = 0; i < sizes.Count; i++)
        {
            int x = (int)Math.Round(X(i));
            img.Line(x, top, x, bottom, Grid, 1);
            string label = SizeLabel(sizes[i]);
            img.Text(x - label.Length * 6 / 2, bottom + 8, label, Ink, 1);
        }
        img.Line(left, top, left, bottom, Ink, 1);
        img.Line(left, bottom, right, bottom, Ink, 1);
        img.Text((left + right) / 2 - 60, bottom + 24, "MESSAGE SIZE (BYTES)", Ink, 1);

        Series(img, managed, X, Y, Managed, square: false);
        Series(img, raw, X, Y, Raw, square: true);

        // legend
        int ly = log ? bottom - 44 : top + 6, lx = left + 12;
        img.Rect(lx, ly, 180, 34, (255, 255, 255));
        img.Line(lx + 6, ly + 9, lx + 30, ly + 9, Managed, 2);
        img.Text(lx + 36, ly + 6, "MANAGED (POLL)", Ink, 1);
        img.Line(lx + 6, ly + 25, lx + 30, ly + 25, Raw, 2);
        img.Text(lx + 36, ly + 22, "RAW C API (DC_BENCH)", Ink, 1);
    }

    internal static void Series(Image img, List<double> v, Func<int, double> x, Func<double, double> y, (byte, byte, byte) c, bool square)
    {
        int? px = null, py = null;
        for (int i = 0; i < v.Count; i++)
        {
            if (double.IsNaN(v[i]) || v[i] <= 0)
            {
                px = py = null;
                continue;
            }
            int cx = (int)Math.Round(x(i)), cy = (int)Math.Round(y(v[i]));
            if (px is not null)
                img.Line(px.Value, py!.Value, cx, cy, c, 2);
            if (square)
                img.Rect(cx - 3, cy - 3, 7, 7, c);
            else
                img.Disc(cx, cy, 4, c);
            px = cx;
            py = cy;
        }
    }

    internal static double NiceStep(double raw)
    {
        if (raw <= 0) return 1;
        double p = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / p;
        return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * p;
    }

    internal static string Short(double v) =>
        v >= 1e6 ? (v / 1e6).ToString("0.#") + "M" : v >= 1e3 ? (v / 1e3).ToString("0.#") + "K" : v.ToString("0.##");

    private static string SizeLabel(int s) => s >= 1024 && s % 1024 == 0 ? (s / 1024) + "K" : s.ToString();

    internal sealed class Image
    {
        private readonly int _w, _h;
        private readonly byte[] _px;

        public Image(int w, int h)
        {
            _w = w;
            _h = h;
            _px = new byte[w * h * 3];
            _px.AsSpan().Fill(255);
        }

        public void Set(int x, int y, (byte R, byte G, byte B) c)
        {
            if ((uint)x >= (uint)_w || (uint)y >= (uint)_h) return;
            int i = (y * _w + x) * 3;
            _px[i] = c.R; _px[i + 1] = c.G; _px[i + 2] = c.B;
        }

        public void Rect(int x, int y, int w, int h, (byte, byte, byte) c)
        {
            for (int j = 0; j < h; j++)
                for (int i = 0; i < w; i++)
                    Set(x + i, y + j, c);
        }

        public void Disc(int cx, int cy, int r, (byte, byte, byte) c)
        {
            for (int j = -r; j <= r; j++)
                for (int i = -r; i <= r; i++)
                    if (i * i + j * j <= r * r)
                        Set(cx + i, cy + j, c);
        }

        public void Line(int x0, int y0, int x1, int y1, (byte, byte, byte) c, int thick)
        {
            int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
            while (true)
            {
                if (thick <= 1) Set(x0, y0, c);
                else Rect(x0 - thick / 2, y0 - thick / 2, thick, thick, c);
                if (x0 == x1 && y0 == y1) break;
                int e2 = 2 * err;
                if (e2 >= dy) { err += dy; x0 += sx; }
                if (e2 <= dx) { err += dx; y0 += sy; }
            }
        }

        public void Text(int x, int y, string s, (byte, byte, byte) c, int scale)
        {
            foreach (char ch0 in s)
            {
                char ch = char.ToUpperInvariant(ch0);
                if (Font.TryGetValue(ch, out var rows))
                {
                    for (int r = 0; r < 7; r++)
                        for (int b = 0; b < 5; b++)
                            if ((rows[r] >> (4 - b) & 1) != 0)
                                Rect(x + b * scale, y + r * scale, scale, scale, c);
                }
                x += 6 * scale;
            }
        }

        public byte[] EncodePng()
        {
            using var ms = new MemoryStream();
            ms.Write(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A });
            var ihdr = new byte[13];
            BinaryPrimitives.WriteInt32BigEndian(ihdr, _w);
            BinaryPrimitives.WriteInt32BigEndian(ihdr.AsSpan(4), _h);
            ihdr[8] = 8; // bit depth
            ihdr[9] = 2; // RGB
            Chunk(ms, "IHDR", ihdr);
            using (var raw = new MemoryStream())
            {
                using (var z = new ZLibStream(raw, CompressionLevel.Optimal, leaveOpen: true))
                {
                    for (int y = 0; y < _h; y++)
                    {
                        z.WriteByte(0);
                        z.Write(_px, y * _w * 3, _w * 3);
                    }
                }
                Chunk(ms, "IDAT", raw.ToArray());
            }
            Chunk(ms, "IEND", Array.Empty<byte>());
            return ms.ToArray();
        }

        private static void Chunk(Stream s, string type, byte[] data)
        {
            Span<byte> len = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(len, data.Length);
            s.Write(len);
            var td = new byte[4 + data.Length];
            for (int i = 0; i < 4; i++) td[i] = (byte)type[i];
            data.CopyTo(td, 4);
            s.Write(td);
            BinaryPrimitives.WriteUInt32BigEndian(len, Crc32(td));
            s.Write(len);
        }

        private static uint Crc32(byte[] data)
        {
            uint crc = 0xFFFFFFFF;
            foreach (byte b in data)
            {
                crc ^= b;
                for (int k = 0; k < 8; k++)
                    crc = (crc & 1) != 0 ? 0xEDB88320 ^ (crc >> 1) : crc >> 1;
            }
            return ~crc;
        }
    }

    private static readonly Dictionary<char, byte[]> Font = new()
    {
        ['0'] = new byte[] { 0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E },
        ['1'] = new byte[] { 0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E },
        ['2'] = new byte[] { 0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F },
        ['3'] = new byte[] { 0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E },
        ['4'] = new byte[] { 0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02 },
        ['5'] = new byte[] { 0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E },
        ['6'] = new byte[] { 0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E },
        ['7'] = new byte[] { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08 },
        ['8'] = new byte[] { 0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E },
        ['9'] = new byte[] { 0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C },
        ['A'] = new byte[] { 0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11 },
        ['B'] = new byte[] { 0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E },
        ['C'] = new byte[] { 0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E },
        ['D'] = new byte[] { 0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C },
        ['E'] = new byte[] { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F },
        ['F'] = new byte[] { 0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10 },
        ['G'] = new byte[] { 0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F },
        ['H'] = new byte[] { 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11 },
        ['I'] = new byte[] { 0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E },
        ['J'] = new byte[] { 0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C },
        ['K'] = new byte[] { 0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11 },
        ['L'] = new byte[] { 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F },
        ['M'] = new byte[] { 0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11 },
        ['N'] = new byte[] { 0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11 },
        ['O'] = new byte[] { 0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E },
        ['P'] = new byte[] { 0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10 },
        ['Q'] = new byte[] { 0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D },
        ['R'] = new byte[] { 0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11 },
        ['S'] = new byte[] { 0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E },
        ['T'] = new byte[] { 0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04 },
        ['U'] = new byte[] { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E },
        ['V'] = new byte[] { 0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04 },
        ['W'] = new byte[] { 0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A },
        ['X'] = new byte[] { 0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11 },
        ['Y'] = new byte[] { 0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04 },
        ['Z'] = new byte[] { 0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F },
        [' '] = new byte[] { 0, 0, 0, 0, 0, 0, 0 },
        ['.'] = new byte[] { 0, 0, 0, 0, 0, 0x0C, 0x0C },
        [','] = new byte[] { 0, 0, 0, 0, 0x0C, 0x04, 0x08 },
        ['/'] = new byte[] { 0, 0x01, 0x02, 0x04, 0x08, 0x10, 0 },
        ['('] = new byte[] { 0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02 },
        [')'] = new byte[] { 0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08 },
        ['-'] = new byte[] { 0, 0, 0, 0x1F, 0, 0, 0 },
        [':'] = new byte[] { 0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0 },
        ['%'] = new byte[] { 0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03 },
        ['='] = new byte[] { 0, 0, 0x1F, 0, 0x1F, 0, 0 },
        ['+'] = new byte[] { 0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0 },
        ['_'] = new byte[] { 0, 0, 0, 0, 0, 0, 0x1F },
        ['@'] = new byte[] { 0x0E, 0x11, 0x17, 0x15, 0x17, 0x10, 0x0E },
    };
}
