using System.Text.Json.Nodes;

namespace WebRtcNative.Bench;

/// <summary>
/// Throughput against round-trip time through dc_bench's `wan` relay (issue 14), drawn from a
/// small JSON file of measured medians: {"title", "subtitle", "rtt_ms": [...], "series":
/// [{"name", "values": [MB/s or null]}]}. A null is a point nobody measured (upstream has
/// reference figures at 50 and 200 ms only). The y axis is logarithmic: the figures span
/// two orders of magnitude.
/// </summary>
internal static class PlotWan
{
    private const int W = 1000, H = 500;
    private static readonly (byte, byte, byte)[] Colors = { (31, 119, 180), (230, 110, 20), (44, 160, 44), (150, 150, 150), (214, 39, 40) };
    private static readonly (byte R, byte G, byte B) Grid = (225, 225, 225), Ink = (40, 40, 40);

    public static void FromJson(JsonNode root, string pngPath)
    {
        var rtts = (root["rtt_ms"] as JsonArray ?? throw new InvalidOperationException("no rtt_ms")).Select(n => n!.GetValue<double>()).ToList();
        var series = (root["series"] as JsonArray ?? throw new InvalidOperationException("no series"))
            .Select(s => (Name: s!["name"]!.GetValue<string>(),
                          Values: (s["values"] as JsonArray)!.Select(v => v is null ? double.NaN : v.GetValue<double>()).ToList()))
            .ToList();
        var img = new Plot.Image(W, H);
        img.Text(20, 12, root["title"]?.GetValue<string>() ?? "THROUGHPUT VS ROUND-TRIP TIME", Ink, 2);
        img.Text(20, 36, root["subtitle"]?.GetValue<string>() ?? "", (110, 110, 110), 1);

        int left = 90, right = W - 30, top = 70, bottom = H - 60;
        var all = series.SelectMany(s => s.Values).Where(v => !double.IsNaN(v) && v > 0).ToList();
        double lo = Math.Pow(10, Math.Floor(Math.Log10(all.Min())));
        double hi = Math.Pow(10, Math.Ceiling(Math.Log10(all.Max())));
        if (hi <= lo) hi = lo * 10;
        double Y(double v) => bottom - (Math.Log10(v) - Math.Log10(lo)) / (Math.Log10(hi) - Math.Log10(lo)) * (bottom - top);
        double X(int i) => rtts.Count == 1 ? (left + right) / 2.0 : left + 20 + i * (right - left - 40.0) / (rtts.Count - 1);

        for (double t = lo; t <= hi * 1.0001; t *= 10)
            foreach (double m in new[] { 1.0, 2.0, 5.0 })
            {
                double v = t * m;
                if (v > hi * 1.0001) break;
                int y = (int)Math.Round(Y(v));
                img.Line(left, y, right, y, Grid, 1);
                string label = Plot.Short(v);
                img.Text(left - 8 - label.Length * 6, y - 3, label, Ink, 1);
            }
        for (int i = 0; i < rtts.Count; i++)
        {
            int x = (int)Math.Round(X(i));
            img.Line(x, top, x, bottom, Grid, 1);
            string label = rtts[i].ToString("0");
            img.Text(x - label.Length * 3, bottom + 8, label, Ink, 1);
        }
        img.Line(left, top, left, bottom, Ink, 1);
        img.Line(left, bottom, right, bottom, Ink, 1);
        img.Text((left + right) / 2 - 120, bottom + 26, "ROUND-TRIP TIME (MS), NO LOSS", Ink, 1);
        img.Text(12, top - 16, "RECEIVED MB/S (LOG)", Ink, 1);

        for (int s = 0; s < series.Count; s++)
            Plot.Series(img, series[s].Values, X, Y, Colors[s % Colors.Length], square: s % 2 == 1);

        // Bottom left: the low-throughput corner at short RTTs stays empty on this plot.
        int lx = left + 8, ly = bottom - (16 * series.Count + 8) - 6;
        img.Rect(lx, ly, 414, 16 * series.Count + 8, (255, 255, 255));
        for (int s = 0; s < series.Count; s++)
        {
            img.Line(lx + 6, ly + 9 + 16 * s, lx + 30, ly + 9 + 16 * s, Colors[s % Colors.Length], 2);
            img.Text(lx + 36, ly + 6 + 16 * s, series[s].Name, Ink, 1);
        }
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(pngPath))!);
        File.WriteAllBytes(pngPath, img.EncodePng());
    }
}
