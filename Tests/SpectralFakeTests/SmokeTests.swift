import Testing
@testable import SpectralFakeCore

@Test func linspaceMatchesNumpyEndpoints() {
    let v = Interpolation.linspace(0, 80, 88)
    #expect(v.first == 0)
    #expect(v.last == 80)
}
