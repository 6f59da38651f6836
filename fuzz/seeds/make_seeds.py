# Writes the tiny hand-made seeds in fuzz/seeds/<target>/ (kept in the repository).
import os; os.chdir(os.path.dirname(os.path.abspath(__file__)))
import os, zlib, zipfile, io
def w(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    open(path, 'wb').write(data if isinstance(data, bytes) else data.encode())

def pdf(objs):
    out = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"
    offs = []
    for i, o in enumerate(objs, 1):
        offs.append(len(out))
        out += b"%d 0 obj\n" % i + o + b"\nendobj\n"
    x = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objs)+1)
    for o in offs:
        out += b"%010d 00000 n \n" % o
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 2 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objs)+1, x)
    return out

def stream(data, flate=False, extra=b""):
    if flate:
        data = zlib.compress(data)
        extra += b" /Filter /FlateDecode"
    return b"<< /Length %d%s >>\nstream\n" % (len(data), extra) + data + b"\nendstream"

content = b"BT /F1 18 Tf 72 720 Td (Jane Doe) Tj 0 -24 Td [(Sales) -250 (Manager)] TJ T* (2019 - 2023) ' ET"
w("pdf/one_page.pdf", pdf([
    b"<< /Type /Catalog /Pages 3 0 R >>",
    b"<< /CreationDate (D:20230115120000Z) /Producer (seed) >>",
    b"<< /Type /Pages /Kids [4 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 3 0 R /MediaBox [0 0 612 792] /Contents 5 0 R /Resources << /Font << /F1 6 0 R >> >> >>",
    stream(content),
    b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
]))
cmap = b"""/CIDInit /ProcSet findresource begin 12 dict begin begincmap
1 begincodespacerange <0000> <FFFF> endcodespacerange
2 beginbfchar <0001> <004A> <0002> <0061> endbfchar
1 beginbfrange <0003> <0005> <006E> endbfrange
endcmap CMapName currentdict /CMap defineresource pop end end"""
page1 = b"q 1 0 0 1 0 0 cm BT /F2 12 Tf 1 0 0 1 72 700 Tm <00010002000300040005> Tj ET Q /X1 Do 0.5 g 10 10 100 100 re f"
form = b"BT /F1 10 Tf 300 700 Td (Right column) Tj ET"
page2 = b"BT /F1 10 Tf 72 700 Td (Experience) Tj 0 -12 TD (Acme Corp) Tj 3 Tr (hidden) Tj ET"
w("pdf/two_pages_fonts.pdf", pdf([
    b"<< /Type /Catalog /Pages 3 0 R >>",
    b"<< /ModDate (D:20200301) >>",
    b"<< /Type /Pages /Kids [4 0 R 5 0 R] /Count 2 /MediaBox [0 0 595 842] >>",
    b"<< /Type /Page /Parent 3 0 R /Contents 6 0 R /Resources << /Font << /F1 8 0 R /F2 9 0 R >> /XObject << /X1 7 0 R >> >> >>",
    b"<< /Type /Page /Parent 3 0 R /Rotate 90 /Contents [11 0 R] /Resources << /Font << /F1 8 0 R >> >> >>",
    stream(page1, flate=True),
    stream(form, extra=b" /Type /XObject /Subtype /Form /BBox [0 0 612 792] /Resources << /Font << /F1 8 0 R >> >>"),
    b"<< /Type /Font /Subtype /TrueType /BaseFont /Arial /FirstChar 32 /LastChar 126 /Widths [" + b"500 " * 95 + b"] /Encoding << /Type /Encoding /Differences [65 /A /B /bullet] >> >>",
    b"<< /Type /Font /Subtype /Type0 /BaseFont /Calibri /Encoding /Identity-H /DescendantFonts [12 0 R] /ToUnicode 10 0 R >>",
    stream(cmap, flate=True),
    stream(page2),
    b"<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Calibri /W [1 [600 500] 3 5 450] /DW 1000 >>",
]))

doc = """<?xml version="1.0" encoding="UTF-8"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>
<w:p><w:r><w:t>Jane Doe</w:t></w:r></w:p>
<w:p><w:r><w:t xml:space="preserve">Sales </w:t></w:r><w:r><w:tab/><w:t>Manager</w:t><w:br/></w:r></w:p>
<w:tbl><w:tr><w:tc><w:p><w:r><w:t>2019 &amp; 2020</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>Acme</w:t></w:r></w:p></w:tc></w:tr></w:tbl>
<w:p><w:r><w:rPr><w:vanish/></w:rPr><w:t>hidden</w:t></w:r></w:p>
</w:body></w:document>"""
core = """<?xml version="1.0"?><cp:coreProperties xmlns:cp="x" xmlns:dcterms="y"><dcterms:created>2021-04-05T10:00:00Z</dcterms:created></cp:coreProperties>"""
header = """<w:hdr xmlns:w="w"><w:p><w:r><w:t>Header line</w:t></w:r></w:p></w:hdr>"""
w("docx/parts.xml", doc + "\0" + core + "\0" + header + "\0" + header.replace("hdr", "ftr"))
def z(entries):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", zipfile.ZIP_DEFLATED) as f:
        for n, d in entries:
            f.writestr(n, d)
    return b.getvalue()
w("docx/archive.docx", z([("[Content_Types].xml", "<Types/>"), ("word/document.xml", doc), ("docProps/core.xml", core)]))

content_xml = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:table="t"><office:body><office:text>
<text:h text:outline-level="1">Jane Doe</text:h>
<text:p>Sales<text:s text:c="3"/>Manager<text:tab/>2019<text:line-break/>Acme &lt;Corp&gt;</text:p>
<text:list><text:list-item><text:p>Negotiation</text:p></text:list-item></text:list>
<table:table><table:table-row><table:table-cell><text:p>Cell</text:p></table:table-cell></table:table-row></table:table>
</office:text></office:body></office:document-content>"""
meta = """<?xml version="1.0"?><office:document-meta xmlns:office="o" xmlns:meta="m"><office:meta><meta:creation-date>2022-06-07T08:09:10</meta:creation-date></office:meta></office:document-meta>"""
w("odt/parts.xml", content_xml + "\0" + meta)
w("odt/archive.odt", z([("mimetype", "application/vnd.oasis.opendocument.text"), ("content.xml", content_xml), ("meta.xml", meta)]))

w("html/resume.html", """<!DOCTYPE html><html><head><title>CV</title><style>p{color:red}</style><script>var x = "<p>";</script></head>
<body><h1>Jane&nbsp;Doe</h1><p>Sales &amp; Marketing &#8211; &#x41;cme</p><ul><li>Negotiation<br>CRM</li></ul>
<table><tr><td>2019</td><td>Manager</td></tr></table><!-- comment --><div style="display:none">hidden</div></body></html>""")
w("html/fragment.html", "<div><p>Jane <b>Doe</b></p>\n<p>caf\xc3\xa9</p></div>".encode('latin-1'))

w("rtf/resume.rtf", r"""{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Times;}}{\colortbl;\red0\green0\blue0;}
{\*\generator seed;}{\info{\title CV}}\f0\fs24 Jane Doe\par
Sales \b Manager\b0\tab 2019\line Caf\'e9 \u8212? Acme\par
{\pict\wmetafile8 0102030405}\pard\plain Experience\par}""")
w("rtf/nested.rtf", r"{\rtf1{\*\ud{\upr{\u945 ?}}}{{{x}}}\bin3 abc\par}")

w("text/utf8.txt", "Jane Doe\r\nSales Manager\n\n2019 – 2023\tAcme\u00a0Corp\n• Negotiation\n")
w("text/latin1.txt", "Jos\xe9 M\xfcller\nIng\xe9nieur\n".encode('latin-1'))
w("text/utf16.txt", "\ufeffJane Doe\nManager\n".encode('utf-16-le'))
w("text/mojibake.txt", "Caf\u00c3\u00a9 \u00e2\u20ac\u201c Jos\u00c3\u00a9\n")
