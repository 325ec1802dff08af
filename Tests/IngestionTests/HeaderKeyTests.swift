import Testing

@testable import Ingestion

@Suite struct HeaderKeyTests {
    @Test(arguments: [
        ("Teléfono Móvil", "telefonomovil"),
        ("RUT/DNI", "rutdni"),
        ("Días de retraso", "diasderetraso"),
        ("  Saldo_actualizado ", "saldoactualizado"),
        ("Fecha de Vencimiento", "fechadevencimiento"),
        ("Telefono-Celular", "telefonocelular"),
        ("Cód Estructura Padre", "codestructurapadre"),
        ("Correo electrónico personal", "correoelectronicopersonal"),
        ("AÑO", "ano"),
        ("Pingüino", "pinguino"),
        ("Teléfono\u{A0}fijo", "telefonofijo"),
        ("Te\u{301}le\u{301}fono", "telefono"),  // decomposed (NFD) accents
        ("N° cliente", "ncliente"),
        ("Saldo (CLP)", "saldoclp"),
        ("12 Mes", "12mes"),
        ("Straße", "strasse"),
        ("Œuvre", "oeuvre"),
        ("Łódź", "lodz"),
        ("ČŠŽ ĞŞ", "cszgs"),
        ("Ø×÷ÿ", "oy"),
        ("¿?", ""),
        ("", ""),
    ])
    func keepsLowerCaseLettersAndDigitsWithoutAccents(header: String, key: String) {
        #expect(HeaderKey.normalize(header) == key)
    }
}
