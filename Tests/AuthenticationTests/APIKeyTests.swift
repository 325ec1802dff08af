import PostgreSQL
import TestSupport
import Testing

@testable import Authentication

@Suite struct APIKeyTests {
    @Test func keysAreLongRandomAndWellFormed() {
        let keys = (0..<100).map { _ in APIKey.generate() }
        #expect(Set(keys).count == 100)
        for key in keys {
            #expect(key.hasPrefix("sk_"))
            #expect(key.count == 46)
            #expect(APIKey.isWellFormed(key))
        }
    }

    @Test func rejectsMalformedKeys() {
        for text in ["", "sk_", "sk_short", "pk_" + String(repeating: "a", count: 43), "sk_" + String(repeating: "a", count: 44),
                     "sk_" + String(repeating: "a", count: 42) + "!", "sk_" + String(repeating: "ñ", count: 43)] {
            #expect(!APIKey.isWellFormed(text), "\(text)")
        }
    }

    @Test func hashesAreSHA256Hex() {
        // FIPS 180-2 test vector.
        #expect(sha256Hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(APIKey.hash("sk_x") == sha256Hex(Array("sk_x".utf8)))
        #expect(APIKey.keyId(of: "sk_ABCDEFGHIJKLMNOP") == "sk_ABCDEFGH")
    }

    @Test func encodesBase64URLWithoutPadding() {
        #expect(APIKey.base64URL([]) == "")
        #expect(APIKey.base64URL(Array("f".utf8)) == "Zg")
        #expect(APIKey.base64URL(Array("fo".utf8)) == "Zm8")
        #expect(APIKey.base64URL(Array("foo".utf8)) == "Zm9v")
        #expect(APIKey.base64URL([0xFB, 0xFF, 0xBF]) == "-_-_")
    }
}

@Suite(.enabled(if: TestDatabase.available, "needs the test cluster of `make test`"), .serialized)
struct KeyStoreTests {
    @Test func createsAuthenticatesListsAndRevokes() throws {
        let connection = try Connection(url: try TestDatabase.createMigrated())
        try connection.execute(
            script: """
                INSERT INTO accounts (account_id, account_name, contact_name, contact_email, plan_type, country, timezone)
                VALUES ('tenant-a', 'A', 'A', 'a@a.cl', 'credit_based', 'CL', 'America/Santiago')
                """)
        let store = KeyStore(connection: connection)
        let admin = try store.create(account: nil, description: "ops")
        let tenant = try store.create(account: "tenant-a", description: nil)
        #expect(try store.authenticate(admin) == .admin)
        guard case .account(_, let accountId) = try store.authenticate(tenant) else {
            Issue.record("expected an account principal")
            return
        }
        #expect(accountId == "tenant-a")
        #expect(try store.authenticate(APIKey.generate()) == nil)
        #expect(try store.authenticate("not a key") == nil)
        #expect(throws: KeyStoreError.unknownAccount("nobody")) { try store.create(account: "nobody", description: nil) }

        // Only hashes are stored.
        let stored = try connection.query("SELECT key_hash FROM api_keys").map { try $0.string("key_hash") }
        #expect(!stored.contains(admin) && stored.contains(APIKey.hash(admin)))

        let listed = try store.list()
        #expect(listed.map(\.keyId) == [APIKey.keyId(of: admin), APIKey.keyId(of: tenant)])
        #expect(listed[0].isAdmin && listed[1].accountId == "tenant-a")

        try store.revoke(keyId: APIKey.keyId(of: admin))
        #expect(try store.authenticate(admin) == nil)
        #expect(throws: KeyStoreError.unknownKey(APIKey.keyId(of: admin))) { try store.revoke(keyId: APIKey.keyId(of: admin)) }
    }
}
