;; The assignment point of domain/experiments/assignment.ts with native 64-bit arithmetic: FNV-1a 64
;; over the unit's bytes, continuing from the "<experiment>:<salt>:" prefix's state (hi:lo), then
;; murmur3's fmix64 and the top 53 bits over 2^53. JavaScript has no 64-bit integer multiply short
;; of BigInt, so its version emulates one from 16- and 32-bit halves per byte; here each byte is an
;; xor and one i64.mul. The caller writes the unit's bytes (ASCII only) at offset 0 of `mem`.
;; Built into sdk/wasm/assignment-point.ts by `npm run build:wasm` (scripts/build-wasm.mjs).
(module
  (memory (export "mem") 1)
  (func (export "point") (param $hi i32) (param $lo i32) (param $n i32) (result f64)
    (local $h i64)
    (local $i i32)
    (local.set $h
      (i64.or
        (i64.shl (i64.extend_i32_u (local.get $hi)) (i64.const 32))
        (i64.extend_i32_u (local.get $lo))))
    (block $done
      (loop $byte
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (local.set $h
          (i64.mul
            (i64.xor (local.get $h) (i64.load8_u (local.get $i)))
            (i64.const 0x100000001b3)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $byte)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xff51afd7ed558ccd)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (local.set $h (i64.mul (local.get $h) (i64.const 0xc4ceb9fe1a85ec53)))
    (local.set $h (i64.xor (local.get $h) (i64.shr_u (local.get $h) (i64.const 33))))
    (f64.mul
      (f64.convert_i64_u (i64.shr_u (local.get $h) (i64.const 11)))
      (f64.const 0x1p-53))))
