import Money
import Testing

@testable import Accounts

@Suite struct HoldStateTests {
    @Test func aPendingHoldPostsPartiallyAndReleasesTheRest() {
        let result = HoldState.pending.apply(.post(amount: Amount("1.2345")!), holdAmount: 5)
        #expect(result == .success(.init(state: .posted, charged: Amount("1.2345")!, released: Amount("3.7655")!)))
    }

    @Test func postingTheWholeHoldOrNothingIsAllowed() {
        #expect(HoldState.pending.apply(.post(amount: 5), holdAmount: 5) == .success(.init(state: .posted, charged: 5, released: 0)))
        #expect(HoldState.pending.apply(.post(amount: 0), holdAmount: 5) == .success(.init(state: .posted, charged: 0, released: 5)))
    }

    @Test func voidAndExpireReleaseEverything() {
        #expect(HoldState.pending.apply(.void, holdAmount: 3) == .success(.init(state: .voided, charged: 0, released: 3)))
        #expect(HoldState.pending.apply(.expire, holdAmount: 3) == .success(.init(state: .expired, charged: 0, released: 3)))
    }

    @Test func aPostAboveTheHoldOrBelowZeroIsRefused() {
        #expect(HoldState.pending.apply(.post(amount: Amount("5.0001")!), holdAmount: 5) == .failure(.invalidPostAmount))
        #expect(HoldState.pending.apply(.post(amount: -1), holdAmount: 5) == .failure(.invalidPostAmount))
    }

    @Test(arguments: [HoldState.posted, .voided, .expired])
    func aResolvedHoldNeverResolvesAgain(state: HoldState) {
        for event in [HoldState.Event.post(amount: 1), .void, .expire] {
            #expect(state.apply(event, holdAmount: 5) == .failure(.alreadyResolved(state)))
        }
    }
}

@Suite struct AccountRulesTests {
    @Test(arguments: ["retail_express", "acc-0123456789ab", "abc", "a1-b_c", String(repeating: "a", count: 64)])
    func acceptsAccountIds(id: String) {
        #expect(AccountRules.isValidAccountId(id))
    }

    @Test(arguments: ["ab", "Retail", "_abc", "-abc", "a b c", "ñandu", "abc!", String(repeating: "a", count: 65), ""])
    func rejectsAccountIds(id: String) {
        #expect(!AccountRules.isValidAccountId(id))
    }

    @Test func checksEmails() {
        // Code points count, as the OpenAPI pattern counts them: 64 "ñ" (128 bytes) are a valid local part,
        // and "c" with a combining accent is a two-code-point top-level label.
        let longLocal = String(repeating: "ñ", count: 64)
        for good in ["juan@empresa.com", "a.b+c@sub.domain.cl", "x@y.zz", "josé@ñandú.cl", "\(longLocal)@x.cl", "a@x.c\u{301}"] { #expect(AccountRules.isValidEmail(good), "\(good)") }
        for bad in ["", "juan", "juan@", "@empresa.com", "juan@empresa", "juan@@empresa.com", "ju an@empresa.com", "juan@empresa.c",
                    "juan@.com", "juan@empresa..com", "\(longLocal)ñ@x.cl", "juan\u{2003}x@empresa.com", "juan\u{7}@empresa.com"] {
            #expect(!AccountRules.isValidEmail(bad), "\(bad)")
        }
    }

    @Test func checksPhones() {
        #expect(AccountRules.isPlausiblePhone("+56912345678"))
        #expect(AccountRules.isPlausiblePhone("(2) 2345-6789"))
        #expect(!AccountRules.isPlausiblePhone("12345"))
        #expect(!AccountRules.isPlausiblePhone("call me"))
    }

    @Test func checksAmounts() {
        let maximum = Amount(1000)
        #expect(AccountRules.amountProblem(Amount("0.0001")!, maximum: maximum) == nil)
        #expect(AccountRules.amountProblem(1000, maximum: maximum) == nil)
        #expect(AccountRules.amountProblem(0, maximum: maximum) != nil)
        #expect(AccountRules.amountProblem(-5, maximum: maximum) != nil)
        #expect(AccountRules.amountProblem(Amount("1000.0001")!, maximum: maximum) != nil)
    }
}
