// Minimal hand-written P/Invoke surface of libclang's stable C API (clang-c/Index.h),
// just what the bindings generator needs. These are libclang functions, not rtc functions.
using System.Reflection;
using System.Runtime.InteropServices;

namespace WebRtcNative.BindingsGenerator;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXString
{
    public void* Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXCursor
{
    public CXCursorKind Kind;
    public int XData;
    public void* Data0;
    public void* Data1;
    public void* Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXType
{
    public CXTypeKind Kind;
    public void* Data0;
    public void* Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceLocation
{
    public void* PtrData0;
    public void* PtrData1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXSourceRange
{
    public void* PtrData0;
    public void* PtrData1;
    public uint BeginIntData;
    public uint EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXToken
{
    public uint IntData0;
    public uint IntData1;
    public uint IntData2;
    public uint IntData3;
    public void* PtrData;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct CXUnsavedFile
{
    public byte* Filename;
    public byte* Contents;
    public nuint Length;
}

internal enum CXCursorKind
{
    StructDecl = 2,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    ParmDecl = 10,
    TypedefDecl = 20,
    MacroDefinition = 501,
}

internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    Char_S = 13,
    SChar = 14,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Float = 21,
    Double = 22,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    Elaborated = 119,
}

internal enum CXTokenKind
{
    Punctuation = 0,
    Keyword = 1,
    Identifier = 2,
    Literal = 3,
    Comment = 4,
}

internal static unsafe class Clang
{
    private const string Lib = "libclang";

    public const uint CXTranslationUnit_DetailedPreprocessingRecord = 0x01;
    public const uint CXTranslationUnit_SkipFunctionBodies = 0x40;
    public const int CXDiagnostic_Error = 3;

    static Clang()
    {
        NativeLibrary.SetDllImportResolver(typeof(Clang).Assembly, Resolve);
    }

    /// <summary>Forces the resolver to be installed before the first libclang call.</summary>
    public static void EnsureLoaded() { }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != Lib)
            return IntPtr.Zero;
        // 1. explicit override
        string? env = Environment.GetEnvironmentVariable("BINDGEN_LIBCLANG");
        if (!string.IsNullOrEmpty(env) && NativeLibrary.TryLoad(env, out IntPtr h))
            return h;
        // 2. next to the tool, as laid out by the libclang.runtime.<rid> package
        string file = OperatingSystem.IsWindows() ? "libclang.dll" : OperatingSystem.IsMacOS() ? "libclang.dylib" : "libclang.so";
        string rid = RuntimeInformation.RuntimeIdentifier;
        string arch = RuntimeInformation.ProcessArchitecture.ToString().ToLowerInvariant();
        string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var candidates = new List<string>();
        foreach (string baseDir in new[] { AppContext.BaseDirectory, Path.GetDirectoryName(assembly.Location) ?? "" })
        {
            if (baseDir.Length == 0) continue;
            candidates.Add(Path.Combine(baseDir, "runtimes", $"{os}-{arch}", "native", file));
            candidates.Add(Path.Combine(baseDir, "runtimes", rid, "native", file));
            candidates.Add(Path.Combine(baseDir, file));
        }
        // 3. the NuGet global packages folder
        string nugetRoot = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
            ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string pkgDir = Path.Combine(nugetRoot, $"libclang.runtime.{os}-{arch}");
        if (Directory.Exists(pkgDir))
        {
            foreach (string v in Directory.GetDirectories(pkgDir).OrderByDescending(d => d, StringComparer.Ordinal))
                candidates.Add(Path.Combine(v, "runtimes", $"{os}-{arch}", "native", file));
        }
        foreach (string c in candidates)
        {
            if (File.Exists(c) && NativeLibrary.TryLoad(c, out IntPtr handle))
                return handle;
        }
        return IntPtr.Zero; // default probing
    }

    [DllImport(Lib)] public static extern IntPtr clang_createIndex(int excludeDeclarationsFromPCH, int displayDiagnostics);
    [DllImport(Lib)] public static extern void clang_disposeIndex(IntPtr index);
    [DllImport(Lib)]
    public static extern int clang_parseTranslationUnit2(IntPtr index, byte* sourceFilename, byte** commandLineArgs, int numArgs,
        CXUnsavedFile* unsavedFiles, uint numUnsavedFiles, uint options, IntPtr* outTu);
    [DllImport(Lib)] public static extern void clang_disposeTranslationUnit(IntPtr tu);
    [DllImport(Lib)] public static extern uint clang_getNumDiagnostics(IntPtr tu);
    [DllImport(Lib)] public static extern IntPtr clang_getDiagnostic(IntPtr tu, uint index);
    [DllImport(Lib)] public static extern int clang_getDiagnosticSeverity(IntPtr diag);
    [DllImport(Lib)] public static extern CXString clang_formatDiagnostic(IntPtr diag, uint options);
    [DllImport(Lib)] public static extern void clang_disposeDiagnostic(IntPtr diag);
    [DllImport(Lib)] public static extern CXString clang_getClangVersion();

    [DllImport(Lib)] public static extern byte* clang_getCString(CXString s);
    [DllImport(Lib)] public static extern void clang_disposeString(CXString s);

    [DllImport(Lib)] public static extern CXCursor clang_getTranslationUnitCursor(IntPtr tu);
    [DllImport(Lib)] public static extern uint clang_visitChildren(CXCursor parent, delegate* unmanaged<CXCursor, CXCursor, IntPtr, int> visitor, IntPtr clientData);
    [DllImport(Lib)] public static extern CXCursorKind clang_getCursorKind(CXCursor c);
    [DllImport(Lib)] public static extern CXString clang_getCursorSpelling(CXCursor c);
    [DllImport(Lib)] public static extern CXSourceLocation clang_getCursorLocation(CXCursor c);
    [DllImport(Lib)] public static extern CXSourceRange clang_getCursorExtent(CXCursor c);
    [DllImport(Lib)] public static extern int clang_Location_isFromMainFile(CXSourceLocation loc);
    [DllImport(Lib)] public static extern void clang_getSpellingLocation(CXSourceLocation loc, IntPtr* file, uint* line, uint* column, uint* offset);
    [DllImport(Lib)] public static extern CXSourceLocation clang_getRangeEnd(CXSourceRange range);
    [DllImport(Lib)] public static extern CXString clang_Cursor_getRawCommentText(CXCursor c);
    [DllImport(Lib)] public static extern uint clang_Cursor_isMacroFunctionLike(CXCursor c);
    [DllImport(Lib)] public static extern uint clang_Cursor_isAnonymous(CXCursor c);

    [DllImport(Lib)] public static extern CXType clang_getCursorType(CXCursor c);
    [DllImport(Lib)] public static extern CXType clang_getCursorResultType(CXCursor c);
    [DllImport(Lib)] public static extern int clang_Cursor_getNumArguments(CXCursor c);
    [DllImport(Lib)] public static extern CXCursor clang_Cursor_getArgument(CXCursor c, uint i);
    [DllImport(Lib)] public static extern CXType clang_getTypedefDeclUnderlyingType(CXCursor c);
    [DllImport(Lib)] public static extern long clang_getEnumConstantDeclValue(CXCursor c);
    [DllImport(Lib)] public static extern CXType clang_getEnumDeclIntegerType(CXCursor c);
    [DllImport(Lib)] public static extern long clang_Cursor_getOffsetOfField(CXCursor c);

    [DllImport(Lib)] public static extern CXType clang_getCanonicalType(CXType t);
    [DllImport(Lib)] public static extern CXType clang_getPointeeType(CXType t);
    [DllImport(Lib)] public static extern CXType clang_getResultType(CXType t);
    [DllImport(Lib)] public static extern int clang_getNumArgTypes(CXType t);
    [DllImport(Lib)] public static extern CXType clang_getArgType(CXType t, uint i);
    [DllImport(Lib)] public static extern CXType clang_Type_getNamedType(CXType t);
    [DllImport(Lib)] public static extern CXString clang_getTypeSpelling(CXType t);
    [DllImport(Lib)] public static extern CXString clang_getTypedefName(CXType t);
    [DllImport(Lib)] public static extern uint clang_isConstQualifiedType(CXType t);
    [DllImport(Lib)] public static extern CXCursor clang_getTypeDeclaration(CXType t);
    [DllImport(Lib)] public static extern long clang_Type_getSizeOf(CXType t);
    [DllImport(Lib)] public static extern long clang_Type_getAlignOf(CXType t);

    [DllImport(Lib)] public static extern void clang_tokenize(IntPtr tu, CXSourceRange range, CXToken** tokens, uint* numTokens);
    [DllImport(Lib)] public static extern CXString clang_getTokenSpelling(IntPtr tu, CXToken token);
    [DllImport(Lib)] public static extern CXTokenKind clang_getTokenKind(CXToken token);
    [DllImport(Lib)] public static extern void clang_disposeTokens(IntPtr tu, CXToken* tokens, uint numTokens);

    // ---- helpers ----

    public static string ToManaged(CXString s)
    {
        try
        {
            byte* p = clang_getCString(s);
            return p == null ? "" : Marshal.PtrToStringUTF8((IntPtr)p) ?? "";
        }
        finally
        {
            clang_disposeString(s);
        }
    }

    public static string Spelling(CXCursor c) => ToManaged(clang_getCursorSpelling(c));
    // stdbool.h's `bool` macro expands to _Bool; show the spelling the header uses
    public static string Spelling(CXType t) =>
        System.Text.RegularExpressions.Regex.Replace(ToManaged(clang_getTypeSpelling(t)), @"\b_Bool\b", "bool");

    public static List<CXCursor> Children(CXCursor parent)
    {
        var list = new List<CXCursor>();
        GCHandle h = GCHandle.Alloc(list);
        try
        {
            clang_visitChildren(parent, &Visit, GCHandle.ToIntPtr(h));
        }
        finally
        {
            h.Free();
        }
        return list;
    }

    [UnmanagedCallersOnly]
    private static int Visit(CXCursor cursor, CXCursor parent, IntPtr data)
    {
        var list = (List<CXCursor>)GCHandle.FromIntPtr(data).Target!;
        list.Add(cursor);
        return 1; // CXChildVisit_Continue
    }

    public static (uint Line, uint Column, uint Offset) Location(CXCursor c)
    {
        uint line, col, off;
        clang_getSpellingLocation(clang_getCursorLocation(c), null, &line, &col, &off);
        return (line, col, off);
    }

    public static uint EndOffset(CXCursor c)
    {
        uint line, col, off;
        clang_getSpellingLocation(clang_getRangeEnd(clang_getCursorExtent(c)), null, &line, &col, &off);
        return off;
    }

    public static bool IsFromMainFile(CXCursor c) => clang_Location_isFromMainFile(clang_getCursorLocation(c)) != 0;

    public static List<(CXTokenKind Kind, string Text)> Tokens(IntPtr tu, CXCursor c)
    {
        CXToken* tokens;
        uint n;
        clang_tokenize(tu, clang_getCursorExtent(c), &tokens, &n);
        var result = new List<(CXTokenKind, string)>((int)n);
        try
        {
            for (uint i = 0; i < n; i++)
                result.Add((clang_getTokenKind(tokens[i]), ToManaged(clang_getTokenSpelling(tu, tokens[i]))));
        }
        finally
        {
            if (tokens != null)
                clang_disposeTokens(tu, tokens, n);
        }
        return result;
    }
}
