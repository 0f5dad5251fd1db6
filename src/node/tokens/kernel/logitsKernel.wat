;; Per-row log-softmax statistics over float32 logits with 128-bit SIMD: four lanes at a time for the max and
;; its first index, then e^(z - max) by a range-reduced polynomial (Cephes' expf, float32-accurate), summed
;; in float32 lanes over blocks of 64 logits and in float64 across blocks. Regenerate logitsKernelBytes.ts with `node scripts/buildKernel.mjs` (needs Debian's wabt).
(module
  (memory (export "memory") 1)

  ;; e^x for each lane, x <= 0 (below -87 the result is below 2^-125 and only its size matters).
  (func $exp4 (param $x v128) (result v128)
    (local $n v128) (local $r v128) (local $p v128)
    (local.set $x (f32x4.max (local.get $x) (v128.const f32x4 -87 -87 -87 -87)))
    (local.set $n (f32x4.nearest (f32x4.mul (local.get $x) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341))))
    (local.set $r (f32x4.sub (local.get $x) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))))
    (local.set $r (f32x4.add (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
    (local.set $p (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
    ;; times 2^n, built in the exponent bits
    (f32x4.mul (local.get $p)
      (i32x4.shl (i32x4.add (i32x4.trunc_sat_f32x4_s (local.get $n)) (v128.const i32x4 127 127 127 127)) (i32.const 23))))

  ;; For each of `rows` rows of `vocab` float32 logits at `logits`, with labels (int32, -1: not scored) at
  ;; `labels`, writes seven float64 at `out`: argmax, max, sum of e^(z - max), sum of e^(z - max)(z - max),
  ;; how many logits are above the label's, sum of e^(2(z - max)) (the full Brier score's sum of p², from the
  ;; same exponential squared) and how many logits equal the label's (itself included, for a fair rank on
  ;; ties). A NaN logit makes the sums NaN.
  (func (export "scoreRows") (param $logits i32) (param $rows i32) (param $vocab i32) (param $labels i32) (param $out i32)
    (local $row i32) (local $base i32) (local $i i32) (local $end4 i32)
    (local $v v128) (local $vmax v128) (local $vidx v128) (local $cur v128) (local $mask v128)
    (local $max f32) (local $argmax i32) (local $lane i32) (local $value f32) (local $index i32)
    (local $label i32) (local $labelLogit f32) (local $splatMax v128) (local $splatLabel v128)
    (local $u v128) (local $e v128) (local $part v128) (local $weight v128) (local $above v128)
    (local $squares v128) (local $accQ v128) (local $equal v128) (local $squareSum f64) (local $ties i32)
    (local $sum f64) (local $weighted f64) (local $count i32) (local $x f32) (local $ex f32)
    (local $blockEnd i32) (local $accP v128) (local $accW v128) (local $n v128) (local $r v128) (local $p v128) (local $t v128)
    (local.set $end4 (i32.and (local.get $vocab) (i32.const -4)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $base (i32.add (local.get $logits) (i32.shl (i32.mul (local.get $row) (local.get $vocab)) (i32.const 2))))
        (local.set $label (i32.load (i32.add (local.get $labels) (i32.shl (local.get $row) (i32.const 2)))))
        (if (i32.ge_s (local.get $label) (i32.const 0))
          (then
            ;; pass 1: per-lane max and the first index holding it
            (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $vidx (v128.const i32x4 0 0 0 0))
            (local.set $cur (v128.const i32x4 0 1 2 3))
            (local.set $i (i32.const 0))
            (block $p1done
              (loop $p1
                (br_if $p1done (i32.ge_u (local.get $i) (local.get $end4)))
                (local.set $v (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $mask (f32x4.gt (local.get $v) (local.get $vmax)))
                (local.set $vmax (v128.bitselect (local.get $v) (local.get $vmax) (local.get $mask)))
                (local.set $vidx (v128.bitselect (local.get $cur) (local.get $vidx) (local.get $mask)))
                (local.set $cur (i32x4.add (local.get $cur) (v128.const i32x4 4 4 4 4)))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $p1)))
            ;; the lanes: the largest value, and on a tie the smallest index
            (local.set $max (f32.const -inf))
            (local.set $argmax (i32.const 0))
            (local.set $lane (i32.const 0))
            (if (i32.gt_u (local.get $end4) (i32.const 0))
              (then
                (local.set $max (f32x4.extract_lane 0 (local.get $vmax)))
                (local.set $argmax (i32x4.extract_lane 0 (local.get $vidx)))
                (local.set $value (f32x4.extract_lane 1 (local.get $vmax)))
                (local.set $index (i32x4.extract_lane 1 (local.get $vidx)))
                (if (i32.or (f32.gt (local.get $value) (local.get $max)) (i32.and (f32.eq (local.get $value) (local.get $max)) (i32.lt_u (local.get $index) (local.get $argmax))))
                  (then (local.set $max (local.get $value)) (local.set $argmax (local.get $index))))
                (local.set $value (f32x4.extract_lane 2 (local.get $vmax)))
                (local.set $index (i32x4.extract_lane 2 (local.get $vidx)))
                (if (i32.or (f32.gt (local.get $value) (local.get $max)) (i32.and (f32.eq (local.get $value) (local.get $max)) (i32.lt_u (local.get $index) (local.get $argmax))))
                  (then (local.set $max (local.get $value)) (local.set $argmax (local.get $index))))
                (local.set $value (f32x4.extract_lane 3 (local.get $vmax)))
                (local.set $index (i32x4.extract_lane 3 (local.get $vidx)))
                (if (i32.or (f32.gt (local.get $value) (local.get $max)) (i32.and (f32.eq (local.get $value) (local.get $max)) (i32.lt_u (local.get $index) (local.get $argmax))))
                  (then (local.set $max (local.get $value)) (local.set $argmax (local.get $index))))))
            ;; the tail, whose indices come after every lane's
            (local.set $i (local.get $end4))
            (block $t1done
              (loop $t1
                (br_if $t1done (i32.ge_u (local.get $i) (local.get $vocab)))
                (local.set $value (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
                (if (f32.gt (local.get $value) (local.get $max))
                  (then (local.set $max (local.get $value)) (local.set $argmax (local.get $i))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $t1)))
            ;; pass 2: the partition, the entropy's weighted sum and the label's rank
            (local.set $labelLogit (f32.load (i32.add (local.get $base) (i32.shl (local.get $label) (i32.const 2)))))
            (local.set $splatMax (f32x4.splat (local.get $max)))
            (local.set $splatLabel (f32x4.splat (local.get $labelLogit)))
            (local.set $part (v128.const f64x2 0 0))
            (local.set $weight (v128.const f64x2 0 0))
            (local.set $above (v128.const i32x4 0 0 0 0))
            (local.set $squares (v128.const f64x2 0 0))
            (local.set $equal (v128.const i32x4 0 0 0 0))
            (local.set $i (i32.const 0))
            ;; blocks of 64 logits summed in float32 lanes, each block's sums added in float64
            (block $p2done
              (loop $p2
                (br_if $p2done (i32.ge_u (local.get $i) (local.get $end4)))
                (local.set $blockEnd (i32.add (local.get $i) (i32.const 64)))
                (if (i32.gt_u (local.get $blockEnd) (local.get $end4)) (then (local.set $blockEnd (local.get $end4))))
                (local.set $accP (v128.const f32x4 0 0 0 0))
                (local.set $accW (v128.const f32x4 0 0 0 0))
                (local.set $accQ (v128.const f32x4 0 0 0 0))
                (block $blockDone
                  (loop $block
                    (br_if $blockDone (i32.ge_u (local.get $i) (local.get $blockEnd)))
                    (local.set $v (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
                    ;; -inf logits (masked tokens) weigh nothing: clamped, e^u·u is -87·2^-125, not -inf·0
                    ;; pmax(u, c) is u < c ? c : u: one instruction where max's NaN rules take several, and a NaN u stays NaN
                    (local.set $u (f32x4.pmax (f32x4.sub (local.get $v) (local.get $splatMax)) (v128.const f32x4 -87 -87 -87 -87)))
                    ;; e^u, inlined: n = round(u / ln 2), r = u - n ln 2 (in two parts), a degree-6 polynomial, times 2^n
                    ;; adding 1.5·2^23 rounds to an integer, which then sits in the low mantissa bits of $t
                    (local.set $t (f32x4.add (f32x4.mul (local.get $u) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
                    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
                    (local.set $r (f32x4.add (f32x4.sub (local.get $u) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
                    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
                    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
                    ;; 2^n: n + 127 into the exponent field (the shift drops $t's other bits; -126 <= n <= 0)
                    (local.set $e (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $t) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
                    (local.set $accP (f32x4.add (local.get $accP) (local.get $e)))
                    (local.set $accW (f32x4.add (local.get $accW) (f32x4.mul (local.get $e) (local.get $u))))
                    (local.set $accQ (f32x4.add (local.get $accQ) (f32x4.mul (local.get $e) (local.get $e))))
                    (local.set $above (i32x4.sub (local.get $above) (f32x4.gt (local.get $v) (local.get $splatLabel))))
                    (local.set $equal (i32x4.sub (local.get $equal) (f32x4.eq (local.get $v) (local.get $splatLabel))))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (br $block)))
                (local.set $part (f64x2.add (local.get $part) (f64x2.add (f64x2.promote_low_f32x4 (local.get $accP)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $accP) (local.get $accP))))))
                (local.set $weight (f64x2.add (local.get $weight) (f64x2.add (f64x2.promote_low_f32x4 (local.get $accW)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $accW) (local.get $accW))))))
                (local.set $squares (f64x2.add (local.get $squares) (f64x2.add (f64x2.promote_low_f32x4 (local.get $accQ)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $accQ) (local.get $accQ))))))
                (br $p2)))
            (local.set $sum (f64.add (f64x2.extract_lane 0 (local.get $part)) (f64x2.extract_lane 1 (local.get $part))))
            (local.set $weighted (f64.add (f64x2.extract_lane 0 (local.get $weight)) (f64x2.extract_lane 1 (local.get $weight))))
            (local.set $count (i32.add (i32.add (i32x4.extract_lane 0 (local.get $above)) (i32x4.extract_lane 1 (local.get $above))) (i32.add (i32x4.extract_lane 2 (local.get $above)) (i32x4.extract_lane 3 (local.get $above)))))
            (local.set $squareSum (f64.add (f64x2.extract_lane 0 (local.get $squares)) (f64x2.extract_lane 1 (local.get $squares))))
            (local.set $ties (i32.add (i32.add (i32x4.extract_lane 0 (local.get $equal)) (i32x4.extract_lane 1 (local.get $equal))) (i32.add (i32x4.extract_lane 2 (local.get $equal)) (i32x4.extract_lane 3 (local.get $equal)))))
            (local.set $i (local.get $end4))
            (block $t2done
              (loop $t2
                (br_if $t2done (i32.ge_u (local.get $i) (local.get $vocab)))
                (local.set $value (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
                (local.set $x (f32.max (f32.sub (local.get $value) (local.get $max)) (f32.const -87)))
                (local.set $ex (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))
                (local.set $sum (f64.add (local.get $sum) (f64.promote_f32 (local.get $ex))))
                (local.set $weighted (f64.add (local.get $weighted) (f64.promote_f32 (f32.mul (local.get $ex) (local.get $x)))))
                (local.set $squareSum (f64.add (local.get $squareSum) (f64.promote_f32 (f32.mul (local.get $ex) (local.get $ex)))))
                (if (f32.gt (local.get $value) (local.get $labelLogit)) (then (local.set $count (i32.add (local.get $count) (i32.const 1)))))
                (if (f32.eq (local.get $value) (local.get $labelLogit)) (then (local.set $ties (i32.add (local.get $ties) (i32.const 1)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $t2)))
            (f64.store (local.get $out) (f64.convert_i32_u (local.get $argmax)))
            (f64.store offset=8 (local.get $out) (f64.promote_f32 (local.get $max)))
            (f64.store offset=16 (local.get $out) (local.get $sum))
            (f64.store offset=24 (local.get $out) (local.get $weighted))
            (f64.store offset=32 (local.get $out) (f64.convert_i32_u (local.get $count)))
            (f64.store offset=40 (local.get $out) (local.get $squareSum))
            (f64.store offset=48 (local.get $out) (f64.convert_i32_u (local.get $ties)))))
        (local.set $out (i32.add (local.get $out) (i32.const 56)))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; The temperature fit's histogram of u = z - max for each row flagged in `flags` (int32, 1: bin it), using
  ;; the argmax and max that scoreRows wrote at `scores`: 193 counts, then 193 sums of u, then 193 sums of u²
  ;; (float64) per row at `bins` + row·4632. Bins are 1/4 nat wide; the last holds u <= -48; the argmax is
  ;; left out and -inf logits are skipped, as src/core/tokens/logitsRow.ts does. Neighbouring logits often
  ;; share a bin, so they are binned into four copies (by index mod 4) at `scratch` and merged after: one
  ;; copy would make each update wait for the last.
  (func (export "binRows") (param $logits i32) (param $rows i32) (param $vocab i32) (param $flags i32) (param $scores i32) (param $bins i32) (param $scratch i32)
    (local $row i32) (local $base i32) (local $i i32) (local $hist i32) (local $max f64)
    (local $u f64) (local $bin i32) (local $at i32) (local $k i32)
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (if (i32.load (i32.add (local.get $flags) (i32.shl (local.get $row) (i32.const 2))))
          (then
            (local.set $base (i32.add (local.get $logits) (i32.shl (i32.mul (local.get $row) (local.get $vocab)) (i32.const 2))))
            (local.set $hist (i32.add (local.get $bins) (i32.mul (local.get $row) (i32.const 4632))))
            (memory.fill (local.get $scratch) (i32.const 0) (i32.const 18528))
            (local.set $max (f64.load offset=8 (i32.add (local.get $scores) (i32.mul (local.get $row) (i32.const 56)))))
            (local.set $i (i32.const 0))
            (block $binned
              (loop $bin
                (br_if $binned (i32.ge_u (local.get $i) (local.get $vocab)))
                (local.set $u (f64.sub (f64.promote_f32 (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))) (local.get $max)))
                (if (f64.ne (local.get $u) (f64.const -inf))
                  (then
                    (local.set $bin (i32.trunc_sat_f64_s (f64.mul (local.get $u) (f64.const -4))))
                    (if (i32.gt_u (local.get $bin) (i32.const 192)) (then (local.set $bin (i32.const 192))))
                    (local.set $at (i32.add (i32.add (local.get $scratch) (i32.mul (i32.and (local.get $i) (i32.const 3)) (i32.const 4632))) (i32.shl (local.get $bin) (i32.const 3))))
                    (f64.store (local.get $at) (f64.add (f64.load (local.get $at)) (f64.const 1)))
                    (f64.store offset=1544 (local.get $at) (f64.add (f64.load offset=1544 (local.get $at)) (local.get $u)))
                    (f64.store offset=3088 (local.get $at) (f64.add (f64.load offset=3088 (local.get $at)) (f64.mul (local.get $u) (local.get $u))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $bin)))
            ;; merge the four copies into the row's histogram
            (local.set $k (i32.const 0))
            (block $merged
              (loop $merge
                (br_if $merged (i32.ge_u (local.get $k) (i32.const 4632)))
                (local.set $at (i32.add (local.get $scratch) (local.get $k)))
                (f64.store (i32.add (local.get $hist) (local.get $k))
                  (f64.add (f64.add (f64.load (local.get $at)) (f64.load offset=4632 (local.get $at)))
                           (f64.add (f64.load offset=9264 (local.get $at)) (f64.load offset=13896 (local.get $at)))))
                (local.set $k (i32.add (local.get $k) (i32.const 8)))
                (br $merge)))
            ;; the argmax (u = 0, bin 0) is counted exactly by the fit, not binned
            (f64.store (local.get $hist) (f64.sub (f64.load (local.get $hist)) (f64.const 1)))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; One pass of the exact temperature fit at inverse temperature `beta`: for each row whose label is >= 0,
  ;; writes four float64 at `out` + 32·row: the row's max, and with w = e^(beta(z - max)) the sums of w, w·u and
  ;; w·u² for u = z - max (the row's NLL at 1/beta and its first two derivatives in beta come from them).
  ;; u is clamped at -30000 so that -inf logits (masked tokens) weigh nothing instead of making -inf·0.
  (func (export "temperatureRows") (param $logits i32) (param $rows i32) (param $vocab i32) (param $labels i32) (param $beta f32) (param $out i32)
    (local $row i32) (local $base i32) (local $i i32) (local $end4 i32) (local $blockEnd i32)
    (local $vmax v128) (local $max f32) (local $value f32) (local $splatMax v128) (local $splatBeta v128)
    (local $v v128) (local $u v128) (local $e v128) (local $n v128) (local $r v128) (local $p v128) (local $t v128)
    (local $acc0 v128) (local $acc1 v128) (local $acc2 v128) (local $s0 v128) (local $s1 v128) (local $s2 v128)
    (local $x f32) (local $ex f32) (local $sum0 f64) (local $sum1 f64) (local $sum2 f64) (local $at i32)
    (local.set $end4 (i32.and (local.get $vocab) (i32.const -4)))
    (local.set $splatBeta (f32x4.splat (local.get $beta)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $base (i32.add (local.get $logits) (i32.shl (i32.mul (local.get $row) (local.get $vocab)) (i32.const 2))))
        (if (i32.ge_s (i32.load (i32.add (local.get $labels) (i32.shl (local.get $row) (i32.const 2)))) (i32.const 0))
          (then
            ;; the max, four lanes at a time (pmax: a NaN logit is not carried into the max, but makes its u NaN below)
            (local.set $vmax (v128.const f32x4 -inf -inf -inf -inf))
            (local.set $i (i32.const 0))
            (block $m1done
              (loop $m1
                (br_if $m1done (i32.ge_u (local.get $i) (local.get $end4)))
                (local.set $vmax (f32x4.pmax (local.get $vmax) (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))))
                (local.set $i (i32.add (local.get $i) (i32.const 4)))
                (br $m1)))
            (local.set $max (f32.max (f32.max (f32x4.extract_lane 0 (local.get $vmax)) (f32x4.extract_lane 1 (local.get $vmax))) (f32.max (f32x4.extract_lane 2 (local.get $vmax)) (f32x4.extract_lane 3 (local.get $vmax)))))
            (block $m2done
              (loop $m2
                (br_if $m2done (i32.ge_u (local.get $i) (local.get $vocab)))
                (local.set $max (f32.max (local.get $max) (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2))))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $m2)))
            (local.set $splatMax (f32x4.splat (local.get $max)))
            (local.set $s0 (v128.const f64x2 0 0))
            (local.set $s1 (v128.const f64x2 0 0))
            (local.set $s2 (v128.const f64x2 0 0))
            (local.set $i (i32.const 0))
            (block $p2done
              (loop $p2
                (br_if $p2done (i32.ge_u (local.get $i) (local.get $end4)))
                (local.set $blockEnd (i32.add (local.get $i) (i32.const 64)))
                (if (i32.gt_u (local.get $blockEnd) (local.get $end4)) (then (local.set $blockEnd (local.get $end4))))
                (local.set $acc0 (v128.const f32x4 0 0 0 0))
                (local.set $acc1 (v128.const f32x4 0 0 0 0))
                (local.set $acc2 (v128.const f32x4 0 0 0 0))
                (block $blockDone
                  (loop $block
                    (br_if $blockDone (i32.ge_u (local.get $i) (local.get $blockEnd)))
                    (local.set $v (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
                    (local.set $u (f32x4.pmax (f32x4.sub (local.get $v) (local.get $splatMax)) (v128.const f32x4 -30000 -30000 -30000 -30000)))
                    ;; e^(beta·u) as in scoreRows, the argument clamped at -87
                    (local.set $r (f32x4.pmax (f32x4.mul (local.get $u) (local.get $splatBeta)) (v128.const f32x4 -87 -87 -87 -87)))
                    (local.set $t (f32x4.add (f32x4.mul (local.get $r) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
                    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
                    (local.set $r (f32x4.add (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
                    (local.set $p (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
                    (local.set $p (f32x4.add (f32x4.mul (local.get $p) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
                    (local.set $p (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $p) (local.get $r)) (local.get $r)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
                    (local.set $e (f32x4.mul (local.get $p) (i32x4.shl (i32x4.add (local.get $t) (v128.const i32x4 127 127 127 127)) (i32.const 23))))
                    (local.set $acc0 (f32x4.add (local.get $acc0) (local.get $e)))
                    (local.set $e (f32x4.mul (local.get $e) (local.get $u)))
                    (local.set $acc1 (f32x4.add (local.get $acc1) (local.get $e)))
                    (local.set $acc2 (f32x4.add (local.get $acc2) (f32x4.mul (local.get $e) (local.get $u))))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (br $block)))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.add (f64x2.promote_low_f32x4 (local.get $acc0)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc0) (local.get $acc0))))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.add (f64x2.promote_low_f32x4 (local.get $acc1)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc1) (local.get $acc1))))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.add (f64x2.promote_low_f32x4 (local.get $acc2)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $acc2) (local.get $acc2))))))
                (br $p2)))
            (local.set $sum0 (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
            (local.set $sum1 (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
            (local.set $sum2 (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
            (local.set $i (local.get $end4))
            (block $t2done
              (loop $t2
                (br_if $t2done (i32.ge_u (local.get $i) (local.get $vocab)))
                (local.set $value (f32.max (f32.sub (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))) (local.get $max)) (f32.const -30000)))
                (local.set $x (f32.max (f32.mul (local.get $value) (local.get $beta)) (f32.const -87)))
                (local.set $ex (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x)))))
                (local.set $sum0 (f64.add (local.get $sum0) (f64.promote_f32 (local.get $ex))))
                (local.set $ex (f32.mul (local.get $ex) (local.get $value)))
                (local.set $sum1 (f64.add (local.get $sum1) (f64.promote_f32 (local.get $ex))))
                (local.set $sum2 (f64.add (local.get $sum2) (f64.promote_f32 (f32.mul (local.get $ex) (local.get $value)))))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $t2)))
            (local.set $at (i32.add (local.get $out) (i32.shl (local.get $row) (i32.const 5))))
            (f64.store (local.get $at) (f64.promote_f32 (local.get $max)))
            (f64.store offset=8 (local.get $at) (local.get $sum0))
            (f64.store offset=16 (local.get $at) (local.get $sum1))
            (f64.store offset=24 (local.get $at) (local.get $sum2))))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; The moments of the exact temperature fit, taken at one inverse temperature `beta` for each row whose label
  ;; is >= 0, given the row's max (float64 at `maxima` + 8·row): with u = z - max and w = e^(beta·u), writes
  ;; the eleven float64 sums of w·u^k, k = 0..10, at `out` + 88·row. From them the row's sums at any nearby
  ;; beta follow by a Taylor series in (beta' - beta) with a bounded remainder (src/core/tokens/temperatureMoments.ts).
  ;; Logits whose beta·u is below -87 weigh nothing (e^-87 against the max's 1); a NaN logit makes the sums NaN.
  ;; A pass of its own, not fused into scoreRows' loop: both are bound by arithmetic, not memory (per row, the
  ;; same CPU time on 2 rows held in cache as on 128 rows of 32,000), and one loop carrying both sets of sums
  ;; spills its registers: 20.1 ms of CPU per 128 such rows, against 7.4 ms for scoreRows and 10.0 for momentRows.
  ;; Each block of 64 logits goes in two steps through 512 bytes at `scratch` (e^(beta·u) and u, then the sums):
  ;; one loop holding the eleven sums and the exponential at once spilled registers too (10.1 against 8.0 ms).
  (func (export "momentRows") (param $logits i32) (param $rows i32) (param $vocab i32) (param $labels i32) (param $maxima i32) (param $beta f32) (param $out i32) (param $scratch i32)
    (local $row i32) (local $base i32) (local $i i32) (local $end4 i32) (local $blockEnd i32)
    (local $max f32) (local $splatMax v128) (local $splatBeta v128) (local $value f32) (local $x f32) (local $ex f64) (local $p f64)
    (local $k i32) (local $kEnd i32) (local $v v128) (local $u v128) (local $e v128) (local $n v128) (local $r v128) (local $q v128) (local $t v128) (local $w v128) (local $at i32)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128) (local $a4 v128) (local $a5 v128) (local $a6 v128) (local $a7 v128) (local $a8 v128) (local $a9 v128) (local $a10 v128)
    (local $s0 v128) (local $s1 v128) (local $s2 v128) (local $s3 v128) (local $s4 v128) (local $s5 v128) (local $s6 v128) (local $s7 v128) (local $s8 v128) (local $s9 v128) (local $s10 v128)
    (local $m0 f64) (local $m1 f64) (local $m2 f64) (local $m3 f64) (local $m4 f64) (local $m5 f64) (local $m6 f64) (local $m7 f64) (local $m8 f64) (local $m9 f64) (local $m10 f64)
    (local.set $end4 (i32.and (local.get $vocab) (i32.const -4)))
    (local.set $splatBeta (f32x4.splat (local.get $beta)))
    (block $done
      (loop $rowLoop
        (br_if $done (i32.ge_u (local.get $row) (local.get $rows)))
        (local.set $base (i32.add (local.get $logits) (i32.shl (i32.mul (local.get $row) (local.get $vocab)) (i32.const 2))))
        (if (i32.ge_s (i32.load (i32.add (local.get $labels) (i32.shl (local.get $row) (i32.const 2)))) (i32.const 0))
          (then
            (local.set $max (f32.demote_f64 (f64.load (i32.add (local.get $maxima) (i32.shl (local.get $row) (i32.const 3))))))
            (local.set $splatMax (f32x4.splat (local.get $max)))
            (local.set $s0 (v128.const f64x2 0 0))
            (local.set $s1 (v128.const f64x2 0 0))
            (local.set $s2 (v128.const f64x2 0 0))
            (local.set $s3 (v128.const f64x2 0 0))
            (local.set $s4 (v128.const f64x2 0 0))
            (local.set $s5 (v128.const f64x2 0 0))
            (local.set $s6 (v128.const f64x2 0 0))
            (local.set $s7 (v128.const f64x2 0 0))
            (local.set $s8 (v128.const f64x2 0 0))
            (local.set $s9 (v128.const f64x2 0 0))
            (local.set $s10 (v128.const f64x2 0 0))
            (local.set $i (i32.const 0))
            (block $p2done
              (loop $p2
                (br_if $p2done (i32.ge_u (local.get $i) (local.get $end4)))
                (local.set $blockEnd (i32.add (local.get $i) (i32.const 64)))
                (if (i32.gt_u (local.get $blockEnd) (local.get $end4)) (then (local.set $blockEnd (local.get $end4))))
                (local.set $a0 (v128.const f32x4 0 0 0 0))
                (local.set $a1 (v128.const f32x4 0 0 0 0))
                (local.set $a2 (v128.const f32x4 0 0 0 0))
                (local.set $a3 (v128.const f32x4 0 0 0 0))
                (local.set $a4 (v128.const f32x4 0 0 0 0))
                (local.set $a5 (v128.const f32x4 0 0 0 0))
                (local.set $a6 (v128.const f32x4 0 0 0 0))
                (local.set $a7 (v128.const f32x4 0 0 0 0))
                (local.set $a8 (v128.const f32x4 0 0 0 0))
                (local.set $a9 (v128.const f32x4 0 0 0 0))
                (local.set $a10 (v128.const f32x4 0 0 0 0))
                ;; two steps, so that neither holds more vectors than there are registers: u and w of the
                ;; block's logits into `scratch`, then the eleven sums from there (in the same order as one loop)
                (local.set $k (local.get $scratch))
                (block $blockDone
                  (loop $block
                    (br_if $blockDone (i32.ge_u (local.get $i) (local.get $blockEnd)))
                    (local.set $v (v128.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))))
                    (local.set $u (f32x4.pmax (f32x4.sub (local.get $v) (local.get $splatMax)) (v128.const f32x4 -30000 -30000 -30000 -30000)))
                    (local.set $q (f32x4.mul (local.get $u) (local.get $splatBeta)))
                    ;; e^(beta·u) as in temperatureRows, then nothing where beta·u < -87 (a NaN stays NaN)
                    (local.set $r (f32x4.pmax (local.get $q) (v128.const f32x4 -87 -87 -87 -87)))
                    (local.set $t (f32x4.add (f32x4.mul (local.get $r) (v128.const f32x4 1.44269504088896341 1.44269504088896341 1.44269504088896341 1.44269504088896341)) (v128.const f32x4 12582912 12582912 12582912 12582912)))
                    (local.set $n (f32x4.sub (local.get $t) (v128.const f32x4 12582912 12582912 12582912 12582912)))
                    (local.set $r (f32x4.add (f32x4.sub (local.get $r) (f32x4.mul (local.get $n) (v128.const f32x4 0.693359375 0.693359375 0.693359375 0.693359375))) (f32x4.mul (local.get $n) (v128.const f32x4 2.12194440e-4 2.12194440e-4 2.12194440e-4 2.12194440e-4))))
                    (local.set $e (f32x4.add (f32x4.mul (v128.const f32x4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4 1.9875691500e-4) (local.get $r)) (v128.const f32x4 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3 1.3981999507e-3)))
                    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (v128.const f32x4 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3 8.3334519073e-3)))
                    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (v128.const f32x4 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2 4.1665795894e-2)))
                    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (v128.const f32x4 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1 1.6666665459e-1)))
                    (local.set $e (f32x4.add (f32x4.mul (local.get $e) (local.get $r)) (v128.const f32x4 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1 5.0000001201e-1)))
                    (local.set $e (f32x4.add (f32x4.add (f32x4.mul (f32x4.mul (local.get $e) (local.get $r)) (local.get $r)) (local.get $r)) (v128.const f32x4 1 1 1 1)))
                    (local.set $w (v128.andnot (f32x4.mul (local.get $e) (i32x4.shl (i32x4.add (local.get $t) (v128.const i32x4 127 127 127 127)) (i32.const 23))) (f32x4.lt (local.get $q) (v128.const f32x4 -87 -87 -87 -87))))
                    (v128.store (local.get $k) (local.get $u))
                    (v128.store offset=16 (local.get $k) (local.get $w))
                    (local.set $k (i32.add (local.get $k) (i32.const 32)))
                    (local.set $i (i32.add (local.get $i) (i32.const 4)))
                    (br $block)))
                (local.set $kEnd (local.get $k))
                (local.set $k (local.get $scratch))
                (block $sumsDone
                  (loop $sums
                    (br_if $sumsDone (i32.ge_u (local.get $k) (local.get $kEnd)))
                    (local.set $u (v128.load (local.get $k)))
                    (local.set $w (v128.load offset=16 (local.get $k)))
                    (local.set $a0 (f32x4.add (local.get $a0) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a1 (f32x4.add (local.get $a1) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a2 (f32x4.add (local.get $a2) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a3 (f32x4.add (local.get $a3) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a4 (f32x4.add (local.get $a4) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a5 (f32x4.add (local.get $a5) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a6 (f32x4.add (local.get $a6) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a7 (f32x4.add (local.get $a7) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a8 (f32x4.add (local.get $a8) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a9 (f32x4.add (local.get $a9) (local.get $w)))
                    (local.set $w (f32x4.mul (local.get $w) (local.get $u)))
                    (local.set $a10 (f32x4.add (local.get $a10) (local.get $w)))
                    (local.set $k (i32.add (local.get $k) (i32.const 32)))
                    (br $sums)))
                (local.set $s0 (f64x2.add (local.get $s0) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a0)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a0) (local.get $a0))))))
                (local.set $s1 (f64x2.add (local.get $s1) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a1)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a1) (local.get $a1))))))
                (local.set $s2 (f64x2.add (local.get $s2) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a2)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a2) (local.get $a2))))))
                (local.set $s3 (f64x2.add (local.get $s3) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a3)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a3) (local.get $a3))))))
                (local.set $s4 (f64x2.add (local.get $s4) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a4)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a4) (local.get $a4))))))
                (local.set $s5 (f64x2.add (local.get $s5) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a5)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a5) (local.get $a5))))))
                (local.set $s6 (f64x2.add (local.get $s6) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a6)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a6) (local.get $a6))))))
                (local.set $s7 (f64x2.add (local.get $s7) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a7)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a7) (local.get $a7))))))
                (local.set $s8 (f64x2.add (local.get $s8) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a8)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a8) (local.get $a8))))))
                (local.set $s9 (f64x2.add (local.get $s9) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a9)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a9) (local.get $a9))))))
                (local.set $s10 (f64x2.add (local.get $s10) (f64x2.add (f64x2.promote_low_f32x4 (local.get $a10)) (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 8 9 10 11 12 13 14 15 (local.get $a10) (local.get $a10))))))
                (br $p2)))
            (local.set $m0 (f64.add (f64x2.extract_lane 0 (local.get $s0)) (f64x2.extract_lane 1 (local.get $s0))))
            (local.set $m1 (f64.add (f64x2.extract_lane 0 (local.get $s1)) (f64x2.extract_lane 1 (local.get $s1))))
            (local.set $m2 (f64.add (f64x2.extract_lane 0 (local.get $s2)) (f64x2.extract_lane 1 (local.get $s2))))
            (local.set $m3 (f64.add (f64x2.extract_lane 0 (local.get $s3)) (f64x2.extract_lane 1 (local.get $s3))))
            (local.set $m4 (f64.add (f64x2.extract_lane 0 (local.get $s4)) (f64x2.extract_lane 1 (local.get $s4))))
            (local.set $m5 (f64.add (f64x2.extract_lane 0 (local.get $s5)) (f64x2.extract_lane 1 (local.get $s5))))
            (local.set $m6 (f64.add (f64x2.extract_lane 0 (local.get $s6)) (f64x2.extract_lane 1 (local.get $s6))))
            (local.set $m7 (f64.add (f64x2.extract_lane 0 (local.get $s7)) (f64x2.extract_lane 1 (local.get $s7))))
            (local.set $m8 (f64.add (f64x2.extract_lane 0 (local.get $s8)) (f64x2.extract_lane 1 (local.get $s8))))
            (local.set $m9 (f64.add (f64x2.extract_lane 0 (local.get $s9)) (f64x2.extract_lane 1 (local.get $s9))))
            (local.set $m10 (f64.add (f64x2.extract_lane 0 (local.get $s10)) (f64x2.extract_lane 1 (local.get $s10))))
            ;; the last vocab mod 4 logits, one at a time
            (block $t2done
              (loop $t2
                (br_if $t2done (i32.ge_u (local.get $i) (local.get $vocab)))
                (local.set $value (f32.max (f32.sub (f32.load (i32.add (local.get $base) (i32.shl (local.get $i) (i32.const 2)))) (local.get $max)) (f32.const -30000)))
                (local.set $x (f32.mul (local.get $value) (local.get $beta)))
                (local.set $ex (f64.promote_f32 (f32x4.extract_lane 0 (call $exp4 (f32x4.splat (local.get $x))))))
                (if (f32.lt (local.get $x) (f32.const -87)) (then (local.set $ex (f64.const 0))))
                (local.set $p (local.get $ex))
                (local.set $m0 (f64.add (local.get $m0) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m1 (f64.add (local.get $m1) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m2 (f64.add (local.get $m2) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m3 (f64.add (local.get $m3) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m4 (f64.add (local.get $m4) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m5 (f64.add (local.get $m5) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m6 (f64.add (local.get $m6) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m7 (f64.add (local.get $m7) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m8 (f64.add (local.get $m8) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m9 (f64.add (local.get $m9) (local.get $p)))
                (local.set $p (f64.mul (local.get $p) (f64.promote_f32 (local.get $value))))
                (local.set $m10 (f64.add (local.get $m10) (local.get $p)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $t2)))
            (local.set $at (i32.add (local.get $out) (i32.mul (local.get $row) (i32.const 88))))
            (f64.store offset=0 (local.get $at) (local.get $m0))
            (f64.store offset=8 (local.get $at) (local.get $m1))
            (f64.store offset=16 (local.get $at) (local.get $m2))
            (f64.store offset=24 (local.get $at) (local.get $m3))
            (f64.store offset=32 (local.get $at) (local.get $m4))
            (f64.store offset=40 (local.get $at) (local.get $m5))
            (f64.store offset=48 (local.get $at) (local.get $m6))
            (f64.store offset=56 (local.get $at) (local.get $m7))
            (f64.store offset=64 (local.get $at) (local.get $m8))
            (f64.store offset=72 (local.get $at) (local.get $m9))
            (f64.store offset=80 (local.get $at) (local.get $m10))
))
        (local.set $row (i32.add (local.get $row) (i32.const 1)))
        (br $rowLoop))))

  ;; Widens `count` bfloat16 values at `src` to float32 at `dst` (the top half of a float32), eight at a time.
  (func (export "widenBF16") (param $src i32) (param $dst i32) (param $count i32)
    (local $i i32) (local $v v128) (local $end8 i32)
    (local.set $end8 (i32.and (local.get $count) (i32.const -8)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $end8)))
        (local.set $v (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))))
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i32x4.shl (i32x4.extend_low_i16x8_u (local.get $v)) (i32.const 16)))
        (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i32x4.shl (i32x4.extend_high_i16x8_u (local.get $v)) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $lanes)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $count)))
        (i32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2))) (i32.shl (i32.load16_u (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))) (i32.const 16)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))

  ;; Half precision to float32 for four lanes: the magnitude bits shifted into place and scaled by 2^112
  ;; (exact for normal and subnormal halves), the exponent set to all ones for infinities and NaNs, the sign.
  (func $half4 (param $h v128) (result v128)
    (local $m v128)
    (local.set $m (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13)))
    (v128.or
      (v128.bitselect
        (v128.or (local.get $m) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
        (f32x4.mul (local.get $m) (v128.const i32x4 0x77800000 0x77800000 0x77800000 0x77800000))
        (i32x4.eq (v128.and (local.get $h) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))
      (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))

  ;; Widens `count` IEEE half-precision values at `src` to float32 at `dst`, eight at a time.
  (func (export "widenF16") (param $src i32) (param $dst i32) (param $count i32)
    (local $i i32) (local $v v128) (local $end8 i32) (local $h v128) (local $m v128)
    (local.set $end8 (i32.and (local.get $count) (i32.const -8)))
    (block $done
      (loop $lanes
        (br_if $done (i32.ge_u (local.get $i) (local.get $end8)))
        (local.set $v (v128.load (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1)))))
        ;; $half4, written out twice: a call per four lanes costs as much as the conversion
        (v128.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (v128.or
            (v128.bitselect
              (v128.or (local.tee $m (i32x4.shl (v128.and (local.tee $h (i32x4.extend_low_i16x8_u (local.get $v))) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13))) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (f32x4.mul (local.get $m) (v128.const i32x4 0x77800000 0x77800000 0x77800000 0x77800000))
              (i32x4.eq (v128.and (local.get $h) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))
            (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
        (v128.store offset=16 (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (v128.or
            (v128.bitselect
              (v128.or (local.tee $m (i32x4.shl (v128.and (local.tee $h (i32x4.extend_high_i16x8_u (local.get $v))) (v128.const i32x4 0x7fff 0x7fff 0x7fff 0x7fff)) (i32.const 13))) (v128.const i32x4 0x7f800000 0x7f800000 0x7f800000 0x7f800000))
              (f32x4.mul (local.get $m) (v128.const i32x4 0x77800000 0x77800000 0x77800000 0x77800000))
              (i32x4.eq (v128.and (local.get $h) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)) (v128.const i32x4 0x7c00 0x7c00 0x7c00 0x7c00)))
            (i32x4.shl (v128.and (local.get $h) (v128.const i32x4 0x8000 0x8000 0x8000 0x8000)) (i32.const 16))))
        (local.set $i (i32.add (local.get $i) (i32.const 8)))
        (br $lanes)))
    (block $tailDone
      (loop $tail
        (br_if $tailDone (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store (i32.add (local.get $dst) (i32.shl (local.get $i) (i32.const 2)))
          (f32x4.extract_lane 0 (call $half4 (i32x4.splat (i32.load16_u (i32.add (local.get $src) (i32.shl (local.get $i) (i32.const 1))))))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $tail))))
)
