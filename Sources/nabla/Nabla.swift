import Nabla
let graph = Graph()
let a = graph.input("a"), o = graph.input("o")
let b = (5 - 3 * a).named("b")
let c = (2 * b + 3).named("c"), d = (5 * b + 6).named("d")
let e = (7 * c + pow(d, 2)).named("e"), f = (2 * e).named("f")
let g = (3 * f - o).named("g")
let grads = graph.gradients(of: g, wrt: [a, o])
let h = graph.hessian(of: g, wrt: [a, o])
let p = graph.compile([g] + grads + h.flatMap { $0 })
print(p.instructionCount, try p.run(["a": 2, "o": 1]))
do { _ = try p.run(["a": 2]) } catch { print(error) }
do { _ = try p.run(["a": 2, "o": 1, "z": 3]) } catch { print(error) }
let q = graph.compile([log(b)])
do { _ = try q.run(["a": 2, "o": 1]) } catch { print(error) }
let av = Value(2, requiresGrad: true, name: "a")
let bv = 5 - 3 * av
let ev = 7 * (2 * bv + 3) + pow(5 * bv + 6, 2)
let gv = 3 * (2 * ev) - av
let g2 = Graph(); let cap = g2.capture(gv)
print(try g2.compile([cap]).run(["a": 2]), gv.data)
let dd = gv.differentiableGradient(wrt: av)
print(dd.data, dd.differentiableGradient(wrt: av).data)
