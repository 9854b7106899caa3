// generated — do not edit. Made by scripts/gen-unicode.mjs from tokenizers@0.23.2 (probed code point by
// code point) and Debian unicode-data 15.0 (combining classes of code points assigned by Unicode 9.0).
// Counts: {"del":137681,"space":21,"cjk":81264,"mn":1549,"ws":25,"punct":726,"decomp":2060,"lower":1488,"ccc":814}
// Encoding: see scripts/gen-unicode.mjs. Decoded by src/tokenizer/unicode.ts.

/** clean_text deletes these (U+0000, U+FFFD, Cc/Cf/Co of Unicode 8.0 except \t \n \r). */
export const DELETED =
  "0.9,2.2,1.i,2n.x,d.1,11u.6,m.1,5c.1,1d.1,3cu.1,1ks.5,q.5,1d.5,1.a,11u8.4xs,16n.1,6x.3,1.1,3b3.1,xya.4,43z.8,h4" +
  "06.1,u.2o,1egw.1eke,2.1eke";
/** clean_text maps these to U+0020 (White_Space that is not deleted). */
export const TO_SPACE =
  "9.2,2.1,42.1,4bj.1,1vj.b,t.2,5.1,1b.1,334.1";
/** handle_chinese_chars surrounds these with spaces. */
export const CJK =
  "a9s.534,1s.g74,hkw.e8,1fk0.wyo,w.3ds,74.49c,85s.f4";
/** Nonspacing marks (Mn) of Unicode 8.0: strip_accents deletes them after NFD. */
export const MN =
  "lc.1s,2.1,2.17,7n.5,7d.19,1.1,1.2,1.2,1.1,20.b,1c.l,g.1,2t.7,2.6,2.2,1.4,z.1,u.r,2j.b,1m.9,y.4,1.9,1.3,1.5,17." +
  "3,3r.w,1j.1,1.1,4.8,4.1,3.7,a.2,t.1,1m.1,4.4,8.1,k.2,t.2,1l.1,4.2,4.2,2.3,3.1,u.2,3.1,b.2,1l.1,4.5,1.2,4.1,k.2" +
  ",t.1,1m.1,2.1,1.4,8.1,8.1,b.2,u.1,1p.1,c.1,1e.1,1p.3,5.2,2.4,7.2,b.2,t.1,1m.1,2.1,6.1,5.2,k.2,t.1,1r.4,8.1,k.2" +
  ",2u.1,7.3,1.1,2i.1,2.7,c.8,2q.1,2.6,1.2,b.6,22.2,r.1,1.1,1.1,1j.2,1.1,2.1,1.6,1.1,1.3,1.2,5.6,1.4,1.4,1.4,1.4," +
  "1.4,1.c,1.3,9.1,2u.4,1.6,1.2,2.2,p.2,4.3,g.4,d.1,2.2,6.1,f.1,jj.3,qa.3,t.3,t.2,u.2,1s.2,1.7,8.1,2.b,9.1,19.3,4" +
  "b.1,3a.3,4.2,9.1,6.3,63.2,2.1,1m.1,1.7,1.1,1.1,2.8,6.a,2.1,1c.e,1u.4,1c.1,1.5,1.1,5.1,14.9,c.2,w.4,2.2,1.3,1k." +
  "1,1.2,3.1,1.3,1m.8,2.2,48.3,1.d,1.7,4.1,6.1,3.2,5i.1i,6.4,k0.d,4.1,3.c,2da.3,3x.1,2o.w,fe.4,2z.2,n9w.1,4.a,w.2" +
  ",28.2,7k.1,3.1,4.1,p.2,4d.1,r.i,1g.8,p.b,1a.3,1c.1,2.4,2.1,14.1,1v.6,2.2,2.2,c.1,8.1,1b.1,1f.1,1.3,2.2,5.2,1.1" +
  ",16.2,8.1,6m.1,2.1,4.1,fn4.1,kh.g,g.g,r1.1,6a.1,45.5,1ae.3,1.2,5.4,14.3,4.1,4l.2,10a.1,1i.f,1k.3,1d.4,2.2,1x.3" +
  ",10.5,1.1,2.5,1q.1,c.2,1g.9,b.3,2q.3,2.1,1.2,4n.1,3.8,l.2,1m.1,3.1,11.7,3.5,8u.6,1.1,4.2,1.2,6m.4,6.2,1.2,r.2," +
  "2d.8,2.1,1.2,2y.1,1.1,2.6,1.1,2t.3,2.4,1.5,gjo.5,1n.7,uw.4,f7u.2,43s.3,h.8,2.7,u.4,44.3,1iz.1j,4.1e,8.1,e.1,m." +
  "5,1.f,2sg.7,gzl5.6o";
/** char::is_whitespace: the pre-tokenizer splits on these and drops them. */
export const WHITESPACE =
  "9.5,i.1,2s.1,q.1,4bj.1,1vj.b,t.2,5.1,1b.1,334.1";
/** ASCII punctuation plus Unicode 8.0 P*: the pre-tokenizer isolates each as its own piece. */
export const PUNCTUATION =
  "x.f,a.7,q.6,q.4,y.1,5.1,3.1,a.2,3.1,3.1,ji.1,8.1,cy.6,15.2,1f.1,1.1,2.1,2.1,18.2,k.2,1.2,d.1,2.2,22.4,2u.1,17." +
  "e,6h.3,1i.f,v.1,79.2,a.1,an.1,lf.1,2i.1,a.2,4o.f,1.1,11.4,1z.1,22.5,4.2,33.6,4r.1,h0.9,47.1,h8.2,18.2,26.3,1z." +
  "2,4d.3,1.3,11.b,8p.2,60.2,3k.7,1.6,4s.7,4b.4,1n.5,1q.2,1s.8,b.1,n0.o,8.k,1.d,1.c,u.2,e.2,hl.4,t.2,u5.e,27.2,v." +
  "a,b7.m,1r.4,w.2,l7.4,1.2,34.1,3z.1b,1.j,ce.3,4.a,2.c,g.1,c.1,2q.1,2i.1,mwy.2,7h.3,2r.1,a.1,37.6,ak.4,2e.2,14.3" +
  ",1.1,1d.2,1b.1,2p.d,g.2,3g.4,3i.2,g.2,6x.1,g2a.2,5s.a,m.z,1.e,1.1,4.1,1.2,45.3,1.6,1.4,a.2,3.2,q.3,1.1,r.1,1.1" +
  ",1.7,be.3,ik.1,1c.1,bi.1,kn.1,5j.1,v.1,7k.9,12.1,34.7,1u.7,2h.4,x6.7,31.2,1.4,3i.4,1c.2,27.5,3.1,d.1,1.3,2g.6," +
  "2z.1,f0.1,6y.n,2x.3,6w.3,2lt.5,dtl.2,3p.1,1t.5,8.1,g2i.1,5wn.5";
/** Full canonical decompositions of Unicode 9.0 (Hangul syllables excluded: computed). */
export const DECOMPOSITION =
  "5c:1t.lc,1:1t.ld,1:1t.le,1:1t.lf,1:1t.lk,1:1t.lm,2:1v.mf,1:1x.lc,1:1x.ld,1:1x.le,1:1x.lk,1:21.lc,1:21.ld,1:21." +
  "le,1:21.lk,2:26.lf,1:27.lc,1:27.ld,1:27.le,1:27.lf,1:27.lk,3:2d.lc,1:2d.ld,1:2d.le,1:2d.lk,1:2h.ld,3:2p.lc,1:2" +
  "p.ld,1:2p.le,1:2p.lf,1:2p.lk,1:2p.lm,2:2r.mf,1:2t.lc,1:2t.ld,1:2t.le,1:2t.lk,1:2x.lc,1:2x.ld,1:2x.le,1:2x.lk,2" +
  ":32.lf,1:33.lc,1:33.ld,1:33.le,1:33.lf,1:33.lk,3:39.lc,1:39.ld,1:39.le,1:39.lk,1:3d.ld,2:3d.lk,1:1t.lg,1:2p.lg" +
  ",1:1t.li,1:2p.li,1:1t.mg,1:2p.mg,1:1v.ld,1:2r.ld,1:1v.le,1:2r.le,1:1v.lj,1:2r.lj,1:1v.lo,1:2r.lo,1:1w.lo,1:2s." +
  "lo,3:1x.lg,1:2t.lg,1:1x.li,1:2t.li,1:1x.lj,1:2t.lj,1:1x.mg,1:2t.mg,1:1x.lo,1:2t.lo,1:1z.le,1:2v.le,1:1z.li,1:2" +
  "v.li,1:1z.lj,1:2v.lj,1:1z.mf,1:2v.mf,1:20.le,1:2w.le,3:21.lf,1:2x.lf,1:21.lg,1:2x.lg,1:21.li,1:2x.li,1:21.mg,1" +
  ":2x.mg,1:21.lj,4:22.le,1:2y.le,1:23.mf,1:2z.mf,2:24.ld,1:30.ld,1:24.mf,1:30.mf,1:24.lo,1:30.lo,5:26.ld,1:32.ld" +
  ",1:26.mf,1:32.mf,1:26.lo,1:32.lo,4:27.lg,1:33.lg,1:27.li,1:33.li,1:27.ln,1:33.ln,3:2a.ld,1:36.ld,1:2a.mf,1:36." +
  "mf,1:2a.lo,1:36.lo,1:2b.ld,1:37.ld,1:2b.le,1:37.le,1:2b.mf,1:37.mf,1:2b.lo,1:37.lo,1:2c.mf,1:38.mf,1:2c.lo,1:3" +
  "8.lo,3:2d.lf,1:39.lf,1:2d.lg,1:39.lg,1:2d.li,1:39.li,1:2d.lm,1:39.lm,1:2d.ln,1:39.ln,1:2d.mg,1:39.mg,1:2f.le,1" +
  ":3b.le,1:2h.le,1:3d.le,1:2h.lk,1:2i.ld,1:3e.ld,1:2i.lj,1:3e.lj,1:2i.lo,1:3e.lo,y:27.m3,1:33.m3,e:2d.m3,1:39.m3" +
  ",t:1t.lo,1:2p.lo,1:21.lo,1:2x.lo,1:27.lo,1:33.lo,1:2d.lo,1:39.lo,1:2d.lk.lg,1:39.lk.lg,1:2d.lk.ld,1:39.lk.ld,1" +
  ":2d.lk.lo,1:39.lk.lo,1:2d.lk.lc,1:39.lk.lc,2:1t.lk.lg,1:2p.lk.lg,1:1t.lj.lg,1:2p.lj.lg,1:5i.lg,1:6e.lg,3:1z.lo" +
  ",1:2v.lo,1:23.lo,1:2z.lo,1:27.mg,1:33.mg,1:27.mg.lg,1:33.mg.lg,1:c7.lo,1:ia.lo,1:2y.lo,4:1z.ld,1:2v.ld,3:26.lc" +
  ",1:32.lc,1:1t.lm.ld,1:2p.lm.ld,1:5i.ld,1:6e.ld,1:60.ld,1:6w.ld,1:1t.lr,1:2p.lr,1:1t.lt,1:2p.lt,1:1x.lr,1:2t.lr" +
  ",1:1x.lt,1:2t.lt,1:21.lr,1:2x.lr,1:21.lt,1:2x.lt,1:27.lr,1:33.lr,1:27.lt,1:33.lt,1:2a.lr,1:36.lr,1:2a.lt,1:36." +
  "lt,1:2d.lr,1:39.lr,1:2d.lt,1:39.lt,1:2b.me,1:37.me,1:2c.me,1:38.me,3:20.lo,1:2w.lo,7:1t.lj,1:2p.lj,1:1x.mf,1:2" +
  "t.mf,1:27.lk.lg,1:33.lk.lg,1:27.lf.lg,1:33.lf.lg,1:27.lj,1:33.lj,1:27.lj.lg,1:33.lj.lg,1:2h.lg,1:3d.lg,7h:lc,1" +
  ":ld,2:lv,1:lk.ld,1c:jd,a:1n,7:4o.ld,1:pd.ld,1:53,1:ph.ld,1:pj.ld,1:pl.ld,2:pr.ld,2:px.ld,1:q1.ld,1:qh.lk.ld,q:" +
  "pl.lk,1:px.lk,1:q9.ld,1:qd.ld,1:qf.ld,1:qh.ld,1:qt.lk.ld,q:qh.lk,1:qt.lk,1:qn.ld,1:qt.ld,1:qx.ld,5:r6.ld,1:r6." +
  "lk,18:t1.lc,1:t1.lk,2:sz.ld,4:sm.lk,5:t6.ld,1:t4.lc,1:tf.li,b:t4.li,w:u0.li,n:tx.lc,1:tx.lk,2:tv.ld,4:uu.lk,5:" +
  "u2.ld,1:u0.lc,1:ub.li,o:vo.lr,1:vp.lr,22:t2.li,1:ty.li,e:sw.li,1:ts.li,1:sw.lk,1:ts.lk,3:t1.li,1:tx.li,3:yg.lk" +
  ",1:yh.lk,1:t2.lk,1:ty.lk,1:t3.lk,1:tz.lk,3:t4.lg,1:u0.lg,1:t4.lk,1:u0.lk,1:ta.lk,1:u6.lk,3:yw.lk,1:yx.lk,1:tp." +
  "lk,1:ul.lk,1:tf.lg,1:ub.lg,1:tf.lk,1:ub.lk,1:tf.ln,1:ub.ln,1:tj.lk,1:uf.lk,3:tn.lk,1:uj.lk,89:17r.18z,1:17r.19" +
  "0,1:18o.190,1:17r.191,1:18q.190,4a:1cl.190,2:1c1.190,h:1ci.190,gm:1t4.1to,8:1tc.1to,3:1tf.1to,10:1sl.1to,1:1sm" +
  ".1to,1:1sn.1to,1:1ss.1to,1:1sx.1to,1:1sy.1to,1:1t7.1to,1:1tb.1to,30:1xj.1xa,1:1xj.1xz,g:1wh.1x8,1:1wi.1x8,2:1w" +
  "v.1x8,2c:20i.20s,3:20o.20s,z:1zq.20s,1:1zr.20s,1:1zw.20s,3:20b.20s,6i:287.28m,3:287.27y,1:287.28n,g:275.27w,1:" +
  "276.27w,1j:2aa.2c7,1i:2bq.2bi,1:2br.2bi,1:2bq.2c7,3g:2fa.2fq,3c:2in.2j9,7:2iu.2j9,1:2iu.2ja,2:2iu.2iq,1:2iu.2i" +
  "q.2j9,3j:2me.2m6,1:2mf.2m6,1:2me.2mv,3y:2qh.2q2,2:2qh.2q7,1:2qh.2q7.2q2,1:2qh.2qn,9x:30i.33r,a:30s.33r,5:30x.3" +
  "3r,5:312.33r,5:317.33r,d:30g.33p,a:31t.31u,2:31t.31w,1:33m.328,2:33n.328,9:31t.328,i:32q.33r,a:330.33r,5:335.3" +
  "3r,5:33a.33r,5:33f.33r,d:32o.33p,31:36t.372,25c:5c5.5dh,2:5c7.5dh,2:5c9.5dh,2:5cb.5dh,2:5cd.5dh,4:5ch.5dh,15:5" +
  "dm.5dh,2:5do.5dh,3:5dq.5dh,1:5dr.5dh,2:5du.5dh,jh:1t.md,1:2p.md,1:1u.lj,1:2q.lj,1:1u.mb,1:2q.mb,1:1u.mp,1:2q.m" +
  "p,1:1v.mf.ld,1:2r.mf.ld,1:1w.lj,1:2s.lj,1:1w.mb,1:2s.mb,1:1w.mp,1:2s.mp,1:1w.mf,1:2s.mf,1:1w.ml,1:2s.ml,1:1x.l" +
  "g.lc,1:2t.lg.lc,1:1x.lg.ld,1:2t.lg.ld,1:1x.ml,1:2t.ml,1:1x.mo,1:2t.mo,1:1x.mf.li,1:2t.mf.li,1:1y.lj,1:2u.lj,1:" +
  "1z.lg,1:2v.lg,1:20.lj,1:2w.lj,1:20.mb,1:2w.mb,1:20.lk,1:2w.lk,1:20.mf,1:2w.mf,1:20.mm,1:2w.mm,1:21.mo,1:2x.mo," +
  "1:21.lk.ld,1:2x.lk.ld,1:23.ld,1:2z.ld,1:23.mb,1:2z.mb,1:23.mp,1:2z.mp,1:24.mb,1:30.mb,1:24.mb.lg,1:30.mb.lg,1:" +
  "24.mp,1:30.mp,1:24.ml,1:30.ml,1:25.ld,1:31.ld,1:25.lj,1:31.lj,1:25.mb,1:31.mb,1:26.lj,1:32.lj,1:26.mb,1:32.mb," +
  "1:26.mp,1:32.mp,1:26.ml,1:32.ml,1:27.lf.ld,1:33.lf.ld,1:27.lf.lk,1:33.lf.lk,1:27.lg.lc,1:33.lg.lc,1:27.lg.ld,1" +
  ":33.lg.ld,1:28.ld,1:34.ld,1:28.lj,1:34.lj,1:2a.lj,1:36.lj,1:2a.mb,1:36.mb,1:2a.mb.lg,1:36.mb.lg,1:2a.mp,1:36.m" +
  "p,1:2b.lj,1:37.lj,1:2b.mb,1:37.mb,1:2b.ld.lj,1:37.ld.lj,1:2b.lo.lj,1:37.lo.lj,1:2b.mb.lj,1:37.mb.lj,1:2c.lj,1:" +
  "38.lj,1:2c.mb,1:38.mb,1:2c.mp,1:38.mp,1:2c.ml,1:38.ml,1:2d.mc,1:39.mc,1:2d.mo,1:39.mo,1:2d.ml,1:39.ml,1:2d.lf." +
  "ld,1:39.lf.ld,1:2d.lg.lk,1:39.lg.lk,1:2e.lf,1:3a.lf,1:2e.mb,1:3a.mb,1:2f.lc,1:3b.lc,1:2f.ld,1:3b.ld,1:2f.lk,1:" +
  "3b.lk,1:2f.lj,1:3b.lj,1:2f.mb,1:3b.mb,1:2g.lj,1:3c.lj,1:2g.lk,1:3c.lk,1:2h.lj,1:3d.lj,1:2i.le,1:3e.le,1:2i.mb," +
  "1:3e.mb,1:2i.mp,1:3e.mp,1:2w.mp,1:38.lk,1:3b.lm,1:3d.lm,2:an.lj,5:1t.mb,1:2p.mb,1:1t.ll,1:2p.ll,1:1t.le.ld,1:2" +
  "p.le.ld,1:1t.le.lc,1:2p.le.lc,1:1t.le.ll,1:2p.le.ll,1:1t.le.lf,1:2p.le.lf,1:1t.mb.le,1:2p.mb.le,1:1t.li.ld,1:2" +
  "p.li.ld,1:1t.li.lc,1:2p.li.lc,1:1t.li.ll,1:2p.li.ll,1:1t.li.lf,1:2p.li.lf,1:1t.mb.li,1:2p.mb.li,1:1x.mb,1:2t.m" +
  "b,1:1x.ll,1:2t.ll,1:1x.lf,1:2t.lf,1:1x.le.ld,1:2t.le.ld,1:1x.le.lc,1:2t.le.lc,1:1x.le.ll,1:2t.le.ll,1:1x.le.lf" +
  ",1:2t.le.lf,1:1x.mb.le,1:2t.mb.le,1:21.ll,1:2x.ll,1:21.mb,1:2x.mb,1:27.mb,1:33.mb,1:27.ll,1:33.ll,1:27.le.ld,1" +
  ":33.le.ld,1:27.le.lc,1:33.le.lc,1:27.le.ll,1:33.le.ll,1:27.le.lf,1:33.le.lf,1:27.mb.le,1:33.mb.le,1:27.m3.ld,1" +
  ":33.m3.ld,1:27.m3.lc,1:33.m3.lc,1:27.m3.ll,1:33.m3.ll,1:27.m3.lf,1:33.m3.lf,1:27.m3.mb,1:33.m3.mb,1:2d.mb,1:39" +
  ".mb,1:2d.ll,1:39.ll,1:2d.m3.ld,1:39.m3.ld,1:2d.m3.lc,1:39.m3.lc,1:2d.m3.ll,1:39.m3.ll,1:2d.m3.lf,1:39.m3.lf,1:" +
  "2d.m3.mb,1:39.m3.mb,1:2h.lc,1:3d.lc,1:2h.mb,1:3d.mb,1:2h.ll,1:3d.ll,1:2h.lf,1:3d.lf,7:q9.lv,1:q9.lw,1:q9.lv.lc" +
  ",1:q9.lw.lc,1:q9.lv.ld,1:q9.lw.ld,1:q9.lv.n6,1:q9.lw.n6,1:pd.lv,1:pd.lw,1:pd.lv.lc,1:pd.lw.lc,1:pd.lv.ld,1:pd." +
  "lw.ld,1:pd.lv.n6,1:pd.lw.n6,1:qd.lv,1:qd.lw,1:qd.lv.lc,1:qd.lw.lc,1:qd.lv.ld,1:qd.lw.ld,3:ph.lv,1:ph.lw,1:ph.l" +
  "v.lc,1:ph.lw.lc,1:ph.lv.ld,1:ph.lw.ld,3:qf.lv,1:qf.lw,1:qf.lv.lc,1:qf.lw.lc,1:qf.lv.ld,1:qf.lw.ld,1:qf.lv.n6,1" +
  ":qf.lw.n6,1:pj.lv,1:pj.lw,1:pj.lv.lc,1:pj.lw.lc,1:pj.lv.ld,1:pj.lw.ld,1:pj.lv.n6,1:pj.lw.n6,1:qh.lv,1:qh.lw,1:" +
  "qh.lv.lc,1:qh.lw.lc,1:qh.lv.ld,1:qh.lw.ld,1:qh.lv.n6,1:qh.lw.n6,1:pl.lv,1:pl.lw,1:pl.lv.lc,1:pl.lw.lc,1:pl.lv." +
  "ld,1:pl.lw.ld,1:pl.lv.n6,1:pl.lw.n6,1:qn.lv,1:qn.lw,1:qn.lv.lc,1:qn.lw.lc,1:qn.lv.ld,1:qn.lw.ld,3:pr.lv,1:pr.l" +
  "w,1:pr.lv.lc,1:pr.lw.lc,1:pr.lv.ld,1:pr.lw.ld,3:qt.lv,1:qt.lw,1:qt.lv.lc,1:qt.lw.lc,1:qt.lv.ld,1:qt.lw.ld,1:qt" +
  ".lv.n6,1:qt.lw.n6,2:px.lw,2:px.lw.lc,2:px.lw.ld,2:px.lw.n6,1:qx.lv,1:qx.lw,1:qx.lv.lc,1:qx.lw.lc,1:qx.lv.ld,1:" +
  "qx.lw.ld,1:qx.lv.n6,1:qx.lw.n6,1:q1.lv,1:q1.lw,1:q1.lv.lc,1:q1.lw.lc,1:q1.lv.ld,1:q1.lw.ld,1:q1.lv.n6,1:q1.lw." +
  "n6,1:q9.lc,1:q9.ld,1:qd.lc,1:qd.ld,1:qf.lc,1:qf.ld,1:qh.lc,1:qh.ld,1:qn.lc,1:qn.ld,1:qt.lc,1:qt.ld,1:qx.lc,1:q" +
  "x.ld,3:q9.lv.n9,1:q9.lw.n9,1:q9.lv.lc.n9,1:q9.lw.lc.n9,1:q9.lv.ld.n9,1:q9.lw.ld.n9,1:q9.lv.n6.n9,1:q9.lw.n6.n9" +
  ",1:pd.lv.n9,1:pd.lw.n9,1:pd.lv.lc.n9,1:pd.lw.lc.n9,1:pd.lv.ld.n9,1:pd.lw.ld.n9,1:pd.lv.n6.n9,1:pd.lw.n6.n9,1:q" +
  "f.lv.n9,1:qf.lw.n9,1:qf.lv.lc.n9,1:qf.lw.lc.n9,1:qf.lv.ld.n9,1:qf.lw.ld.n9,1:qf.lv.n6.n9,1:qf.lw.n6.n9,1:pj.lv" +
  ".n9,1:pj.lw.n9,1:pj.lv.lc.n9,1:pj.lw.lc.n9,1:pj.lv.ld.n9,1:pj.lw.ld.n9,1:pj.lv.n6.n9,1:pj.lw.n6.n9,1:qx.lv.n9," +
  "1:qx.lw.n9,1:qx.lv.lc.n9,1:qx.lw.lc.n9,1:qx.lv.ld.n9,1:qx.lw.ld.n9,1:qx.lv.n6.n9,1:qx.lw.n6.n9,1:q1.lv.n9,1:q1" +
  ".lw.n9,1:q1.lv.lc.n9,1:q1.lw.lc.n9,1:q1.lv.ld.n9,1:q1.lw.ld.n9,1:q1.lv.n6.n9,1:q1.lw.n6.n9,1:q9.li,1:q9.lg,1:q" +
  "9.lc.n9,1:q9.n9,1:q9.ld.n9,2:q9.n6,1:q9.n6.n9,1:pd.li,1:pd.lg,1:pd.lc,1:pd.ld,1:pd.n9,2:qh,3:4o.n6,1:qf.lc.n9," +
  "1:qf.n9,1:qf.ld.n9,2:qf.n6,1:qf.n6.n9,1:ph.lc,1:ph.ld,1:pj.lc,1:pj.ld,1:pj.n9,1:69r.lc,1:69r.ld,1:69r.n6,1:qh." +
  "li,1:qh.lg,1:qh.lk.lc,1:qh.lk.ld,3:qh.n6,1:qh.lk.n6,1:pl.li,1:pl.lg,1:pl.lc,1:pl.ld,2:6bi.lc,1:6bi.ld,1:6bi.n6" +
  ",1:qt.li,1:qt.lg,1:qt.lk.lc,1:qt.lk.ld,1:qp.lv,1:qp.lw,1:qt.n6,1:qt.lk.n6,1:px.li,1:px.lg,1:px.lc,1:px.ld,1:pt" +
  ".lw,1:4o.lc,1:4o.ld,1:2o,3:qx.lc.n9,1:qx.n9,1:qx.ld.n9,2:qx.n6,1:qx.n6.n9,1:pr.lc,1:pr.ld,1:q1.lc,1:q1.ld,1:q1" +
  ".n9,1:50,3:6bm,1:6bn,85:q1,4:23,1:1t.lm,33:6mo.mw,1:6mq.mw,j:6ms.mw,v:6og.mw,1:6ok.mw,1:6oi.mw,1h:6pv.mw,5:6q0" +
  ".mw,3:6q3.mw,o:6qr.mw,2:6qt.mw,r:6rg.mw,3:6rn.mw,3:6rp.mw,2:6rs.mw,n:1p.mw,2:6sh.mw,b:6rx.mw,1:1o.mw,1:1q.mw,1" +
  ":6sk.mw,1:6sl.mw,3:6sy.mw,1:6sz.mw,3:6t2.mw,1:6t3.mw,7:6t6.mw,1:6t7.mw,3:6te.mw,1:6tf.mw,3:6ti.mw,1:6tj.mw,z:6" +
  "ua.mw,1:6ug.mw,1:6uh.mw,1:6uj.mw,1d:6t8.mw,1:6t9.mw,1:6tt.mw,1:6tu.mw,7:6uq.mw,1:6ur.mw,1:6us.mw,1:6ut.mw,1o:9" +
  "hk,1:9hl,1iq:8gt.mw,12o:9jf.9ll,2:9jh.9ll,2:9jj.9ll,2:9jl.9ll,2:9jn.9ll,2:9jp.9ll,2:9jr.9ll,2:9jt.9ll,2:9jv.9l" +
  "l,2:9jx.9ll,2:9jz.9ll,2:9k1.9ll,3:9k4.9ll,2:9k6.9ll,2:9k8.9ll,7:9kf.9ll,1:9kf.9lm,2:9ki.9ll,1:9ki.9lm,2:9kl.9l" +
  "l,1:9kl.9lm,2:9ko.9ll,1:9ko.9lm,2:9kr.9ll,1:9kr.9lm,n:9ja.9ll,a:9lp.9ll,e:9m3.9ll,2:9m5.9ll,2:9m7.9ll,2:9m9.9l" +
  "l,2:9mb.9ll,2:9md.9ll,2:9mf.9ll,2:9mh.9ll,2:9mj.9ll,2:9ml.9ll,2:9mn.9ll,2:9mp.9ll,3:9ms.9ll,2:9mu.9ll,2:9mw.9l" +
  "l,7:9n3.9ll,1:9n3.9lm,2:9n6.9ll,1:9n6.9lm,2:9n9.9ll,1:9n9.9lm,2:9nc.9ll,1:9nc.9lm,2:9nf.9ll,1:9nf.9lm,n:9ly.9l" +
  "l,3:9nz.9ll,1:9o0.9ll,1:9o1.9ll,1:9o2.9ll,4:9od.9ll,13ia:rpk,1:kc4,1:s7e,1:rt4,1:lw1,1:fg2,1:gkl,1:vj0,1:vj0,1" +
  ":hn5,1:ssx,1:gw7,1:hmw,1:jcm,1:ne1,1:p6t,1:qin,1:qt6,1:r20,1:sjz,1:kxu,1:ljv,1:mah,1:mvy,1:q4d,1:sq2,1:uep,1:f" +
  "ia,1:ghh,1:l50,1:mjf,1:qi5,1:v8e,1:ifk,1:m3v,1:qfh,1:r50,1:jih,1:pnc,1:qvz,1:iq2,1:kd3,1:lm2,1:mpo,1:slq,1:fpi" +
  ",1:g53,1:gda,1:jwk,1:l3n,1:mj4,1:nhj,1:pa9,1:qh2,1:qjg,1:s1b,1:tv6,1:upb,1:v7e,1:nt8,1:nzz,1:otc,1:q15,1:t1g,1" +
  ":vb3,1:rfa,1:hjz,1:iro,1:okg,1:pdq,1:mle,1:nuy,1:rsy,1:ttj,1:hjs,1:i8y,1:kyb,1:lp6,1:lxr,1:oq7,1:oxj,1:tor,1:g" +
  "cy,1:pe3,1:g64,1:g5o,1:o4c,1:ou6,1:q29,1:tpx,1:rk0,1:jin,1:kxu,1:rge,1:fg9,1:i5j,1:iz6,1:mtj,1:n74,1:gev,1:nwb" +
  ",1:fr3,1:iw9,1:ff1,1:lho,1:k1k,1:opu,1:gjn,1:hge,1:ni9,1:q4p,1:re2,1:la2,1:sds,1:lfs,1:jjy,1:put,1:jog,1:n6t,1" +
  ":fji,1:g2x,1:g5l,1:kn5,1:oo7,1:prj,1:rf6,1:ssv,1:gdx,1:gn6,1:ho3,1:ir0,1:k3p,1:m4e,1:nxm,1:tkd,1:ui2,1:vbr,1:v" +
  "da,1:gbf,1:kau,1:l87,1:sbm,1:ino,1:j9s,1:jcw,1:jve,1:lyb,1:mdl,1:n0p,1:o22,1:ovo,1:pdb,1:s9y,1:q9a,1:sgz,1:t3e" +
  ",1:g7r,1:gbn,1:gql,1:ma0,1:r0i,1:re2,1:iq1,1:iyd,1:jnf,1:l9q,1:oji,1:mt1,1:fl0,1:h6h,1:i5j,1:iii,1:izg,1:muq,1" +
  ":mzt,1:p7e,1:pc6,1:svo,1:tti,1:tvs,1:u1k,1:fpn,1:o1a,1:ss4,1:trs,1:j4x,1:fie,1:fyy,1:i5q,1:i7z,1:k2h,1:kxu,1:m" +
  "ha,1:ncy,1:q9o,1:sjg,1:vil,1:k94,1:tny,1:gax,1:kfv,1:kj7,1:lkx,1:luk,1:mx5,1:n6h,1:nsb,1:opc,1:u3i,1:g31,1:je6" +
  ",1:tq0,1:fu3,1:ie1,1:lpm,1:sa2,1:ivf,1:j7o,1:kk7,1:mtj,1:tqe,1:g89,1:glr,1:i91,1:k5v,1:kem,1:ko8,1:lid,1:mx2,1" +
  ":naa,1:p6h,1:r0v,1:r1d,1:sss,1:tsy,1:gfz,1:lve,1:gm5,1:mhc,1:n14,1:qgq,1:tr7,1:uvr,1:vbz,1:kgn,1:lor,1:pns,1:o" +
  "97,1:obk,1:olu,1:mo0,1:m8p,1:riw,1:fk0,1:px2,1:g8q,1:g7b,1:ip2,1:jir,1:onq,1:i2t,1:ljy,1:kac,1:saj,1:qx8,1:tot" +
  ",1:r63,1:iqb,1:g1s,1:gxs,3:hga,2:k8k,3:g66,1:mqy,1:ngq,1:ny4,1:nz2,1:nz9,1:o0f,1:tw6,1:on2,1:p8d,2:qhe,2:rg8,3" +
  ":shk,1:sn1,4:u7j,1:u7w,1:u94,1:v5g,1:sm6,1:trr,1:fqm,1:fzb,1:g25,1:gcp,1:gdg,1:ggh,1:gwt,1:gzq,1:h2g,1:hfk,1:h" +
  "ig,1:i90,1:i9a,1:j2s,1:j8o,1:j9q,1:jci,1:k0f,1:k4i,1:k9d,1:kn9,1:lmf,1:lqy,1:lya,1:mem,1:mjv,1:mxu,1:ntd,1:ny6" +
  ",1:nyh,1:nyg,1:nyo,1:nyu,1:nz1,1:o0d,1:o0e,1:o5c,1:o75,1:og0,1:ovo,1:ow9,1:oxt,1:p6a,1:pad,1:pnx,1:prt,1:prt,1" +
  ":q53,1:r2o,1:r6e,1:rgh,1:ri1,1:rtf,1:ruw,1:sdy,1:shk,1:tsz,1:u0v,1:u2j,1:j1x,1:36cu,1:pp4,3:ffq,1:g51,1:g2w,1:" +
  "fpc,1:g1x,1:g3k,1:gcn,1:ge2,1:gwt,1:gut,1:gwp,1:gyq,1:hga,1:hir,1:hms,1:hn8,1:huq,1:i08,1:iqa,1:iqh,1:iuh,1:iw" +
  "d,1:j4o,1:j7y,1:j60,1:j9q,1:j8g,1:jci,1:jec,1:jpg,1:jrw,1:jte,1:k0m,1:k8k,1:kd3,1:kd7,1:keu,1:l89,1:la2,1:lkx," +
  "1:lwb,1:lvv,1:lya,1:m5a,1:mem,1:nmv,1:mk5,1:mnj,1:mqy,1:n01,1:n46,1:n5n,1:nbx,1:nbz,1:ngq,1:nh7,1:nhw,1:nka,1:" +
  "nk0,1:nv0,1:o8h,1:og0,1:ol7,1:orf,1:ovo,1:p4u,1:pad,1:pxu,1:q27,1:qrd,1:r41,1:r5y,1:r6e,1:ren,1:rg8,1:rez,1:rg" +
  "h,1:rge,1:rfx,1:ri1,1:rka,1:ruw,1:sag,1:sj6,1:srd,1:sxi,1:tq4,1:tsz,1:tw6,1:tzv,1:u0v,1:u17,1:u2j,1:umq,1:vj0," +
  "1:313e,1:3138,1:33dh,1:brx,1:cns,1:cop,1:39e1,1:3bgw,1:3i6r,1:vgj,1:vim,1w:15l.14k,2:16a.14n,b:161.14x,1:161.1" +
  "4y,1:161.14s.14x,1:161.14s.14y,1:15c.14n,1:15c.14o,1:15c.14s,1:15d.14s,1:15e.14s,1:15f.14s,1:15g.14s,1:15h.14s" +
  ",1:15i.14s,2:15k.14s,1:15l.14s,1:15m.14s,1:15n.14s,1:15o.14s,2:15q.14s,2:15s.14s,1:15t.14s,2:15v.14s,1:15w.14s" +
  ",2:15y.14s,1:15z.14s,1:160.14s,1:161.14s,1:162.14s,1:15h.14p,1:15d.14v,1:15n.14v,1:15w.14v,47g:1huh.1hve,2:1hu" +
  "j.1hve,f:1hut.1hve,3n:1hyp.1hyf,1:1hyq.1hyf,f0:1idj.1ida,1:1idj.1idz,a7:1int.1inu,1:1int.1ink,2:1int.1inx,70:1" +
  "iuw.1iun,1:1iux.1iun,112b:2jx3.2jxh,1:2jx4.2jxh,1:2jx4.2jxh.2jxq,1:2jx4.2jxh.2jxr,1:2jx4.2jxh.2jxs,1:2jx4.2jxh" +
  ".2jxt,1:2jx4.2jxh.2jxu,2f:2jzt.2jxh,1:2jzu.2jxh,1:2jzt.2jxh.2jxq,1:2jzu.2jxh.2jxq,1:2jzt.2jxh.2jxr,1:2jzu.2jxh" +
  ".2jxr,1m4g:fgd,1:fg8,1:fgh,1:2tcy,1:fog,1:fqm,1:fqz,1:fsy,1:fwa,1:fx5,1:fzb,1:fyn,1:ae6,1:2ud6,1:g25,1:g2c,1:g" +
  "2s,1:g3b,1:2u58,1:aex,1:g2v,1:g3x,1:2u6j,1:g47,1:g4k,1:fkc,1:g4s,1:g51,1:3ly7,1:g6t,1:g77,1:afz,1:g8r,1:g92,1:" +
  "gaa,1:gaf,1:ahh,1:gcn,1:gcp,1:gdg,1:ge2,1:ged,1:gee,1:gev,1:gg9,1:ggh,1:ggq,1:ghf,1:ghp,1:ghr,1:ghr,1:ghr,1:2v" +
  "58,1:m7k,1:gju,1:gkf,1:2vdv,1:gkr,1:gkx,1:gli,1:gpq,1:gmw,1:gnc,1:go8,1:gpu,1:gs6,1:gsw,1:gur,1:gv7,1:gw4,1:gw" +
  "4,1:gwp,1:gx7,1:gxf,1:gxu,1:h7a,1:gzq,1:h7b,1:h1t,1:h2s,1:g7b,1:hke,1:hce,1:hdg,1:he5,1:haj,1:hf6,1:hf5,1:hik," +
  "1:2x9g,1:hki,1:hkn,1:hl2,1:hlm,1:hlu,1:hnm,1:2xm0,1:2xnu,1:hrg,1:hsr,1:ht3,1:hqw,1:huu,1:aum,1:av0,1:hzc,1:i0u" +
  ",1:i0u,1:2y88,1:i4j,1:i54,1:i5j,1:i5v,1:2yhk,1:i67,1:i6e,1:itv,1:i76,1:ayp,1:i8w,1:i9a,1:ibk,1:ia5,1:2z1g,1:if" +
  "7,1:2z1i,1:ige,1:igb,1:igs,1:ijl,1:ijm,1:b3j,1:ikd,1:ilk,1:im5,1:ind,1:b4y,1:2zr7,1:b5o,1:ipc,1:ipf,1:ipi,1:iq" +
  "2,1:3pg2,1:iri,1:3035,1:3035,1:poh,1:isi,1:isi,1:b7r,1:335k,1:3cgq,1:iua,1:iuj,1:b8j,1:ivu,1:ix9,1:ixj,1:iyh,1" +
  ":j29,1:bay,1:ba4,1:j2s,1:30t0,1:j47,1:j7s,1:j7w,1:j7y,1:j7w,1:j96,1:j9q,1:jaq,1:jac,1:jan,1:jby,1:jci,1:jcm,1:" +
  "jdc,1:jdn,1:jfh,1:jht,1:jis,1:jm8,1:31n0,1:jlp,1:jjw,1:jmw,1:jnn,1:jqc,1:31td,1:js2,1:jph,1:jop,1:bhq,1:ju1,1:" +
  "jum,1:jvh,1:juf,1:bjg,1:k0f,1:k18,1:32mi,1:k4j,1:kc8,1:k7d,1:bo9,1:k9d,1:bns,1:bms,1:g42,1:g45,1:kcg,1:k9o,1:p" +
  "f1,1:deh,1:kd3,1:kd7,1:kdd,1:kf2,1:ker,1:33cz,1:bpl,1:kje,1:kg5,1:klu,1:kn9,1:33hp,1:kni,1:kkf,1:kr8,1:brx,1:k" +
  "si,1:kv7,1:kx6,1:l2g,1:33xf,1:l3v,1:bvc,1:l5t,1:34br,1:l78,1:bwu,1:l82,1:l9b,1:la2,1:la3,1:34p9,1:2yvf,1:34sa," +
  "1:le6,1:354s,1:lhb,1:lhp,1:lev,1:ljq,1:lku,1:lmf,1:lkx,1:lm1,1:lmg,1:lmt,1:357i,1:lkk,1:lrj,1:lta,1:c37,1:lvv," +
  "1:lvr,1:35jl,1:lq1,1:m0e,1:35ni,1:35ou,1:m2u,1:m61,1:m5a,1:m57,1:c5y,1:m6i,1:m7x,1:m7r,1:m99,1:2u5h,1:mdh,1:36" +
  "8z,1:mfw,1:36i3,1:mjs,1:mk5,1:mkw,1:36yw,1:mm8,1:mmt,1:3779,1:37dg,1:mt6,1:mtn,1:cdo,1:mud,1:ce0,1:ce0,1:myv,1" +
  ":mzg,1:n01,1:n0l,1:n2i,1:cgr,1:n50,1:386u,1:n5q,1:389e,1:n74,1:2zrz,1:nbk,1:38v5,1:38vs,1:38zo,1:cn0,1:cnc,1:n" +
  "hw,1:394j,1:394i,1:395l,1:396b,1:nj2,1:nj3,1:nj3,1:nka,1:cop,1:nm3,1:cp2,1:cra,1:39r1,1:nri,1:nt8,1:nv0,1:ctf," +
  "1:3a5i,1:nyu,1:3a8q,1:3a9x,1:o0f,1:o2z,1:cvj,1:o5c,1:o5m,1:o5r,1:3at8,1:3b1j,1:3b1j,1:oa6,1:d1e,1:3b8r,1:og6,1" +
  ":og9,1:d2f,1:3beo,1:onm,1:d5s,1:oo8,1:oo3,1:oow,1:3c06,1:orn,1:d8h,1:ouf,1:ow2,1:oxx,1:d9w,1:3ciw,1:3cjr,1:dax" +
  ",1:3cnt,1:p6i,1:3cqm,1:p79,1:pa2,1:pad,1:3d22,1:3d43,1:pcw,1:3d7s,1:pdc,1:33a7,1:ded,1:pf6,1:phf,1:dfv,1:pj2,1" +
  ":hx1,1:3dlz,1:3dmd,1:33bn,1:33bw,1:poh,1:pok,1:sda,1:dij,1:psh,1:psb,1:pst,1:gc3,1:ptd,1:ptf,1:ptp,1:puu,1:3eb" +
  "g,1:put,1:pwd,1:pyb,1:q0d,1:pwj,1:q0t,1:q1z,1:q53,1:pxv,1:q16,1:q18,1:q1o,1:3eie,1:3eqz,1:3emt,1:dnv,1:q9d,1:q" +
  "9f,1:qae,1:3g0a,1:qck,1:3f3g,1:dp9,1:dpd,1:3f75,1:3ff6,1:dpn,1:qj4,1:qjg,1:qjr,1:qjt,1:qll,1:qko,1:qoe,1:qn6,1" +
  ":qrd,1:qp4,1:qqz,1:qrq,1:dsn,1:qu9,1:qv5,1:dtl,1:qxs,1:qxv,1:3giv,1:r13,1:r1a,1:dv9,1:r22,1:aez,1:3gz2,1:3h46," +
  "1:dz2,1:dzb,1:rds,1:rfx,1:rka,1:rpx,1:3hrc,1:rsb,1:rsx,1:rvf,1:rxz,1:3i9b,1:2upw,1:s0b,1:rzw,1:s1c,1:2uvy,1:s7" +
  "o,1:sag,1:3jki,1:3jl9,1:sk4,1:smp,1:snl,1:3ju6,1:snv,1:svs,1:t07,1:t08,1:sxo,1:t89,1:t91,1:3ksa,1:tjf,1:ej9,1:" +
  "tkn,1:3l2v,1:eli,1:ts3,1:iia,1:tur,1:3ltx,1:3lzu,1:epa,1:epi,1:u00,1:3mdm,1:er6,1:3mhi,1:u17,1:u17,1:u21,1:3mp" +
  "i,1:u76,1:eur,1:u95,1:ucn,1:ude,1:uf2,1:ez2,1:3nsg,1:umq,1:uv4,1:v0d,1:f66,1:f71,1:v3b,1:3owe,1:f7c,1:3oxx,1:3" +
  "p5a,1:3p8x,1:vcr,1:f9y,1:veh,1:vem,1:vet,1:vf3,1:vfa,1:vgb,1:3pxc";
/** Canonical combining classes (non-zero) of Unicode 9.0. */
export const COMBINING_CLASS =
  "lc.l.6e,0.1.6g,0.4.64,0.1.6g,0.1.60,0.5.64,0.2.5m,0.4.64,0.2.5m,0.b.64,0.5.1,0.4.64,0.8.6e,0.1.6o,0.1.6e,0.3.6" +
  "4,0.3.6e,0.2.64,1.3.6e,0.4.64,0.1.6e,0.1.6g,0.2.64,0.1.6e,0.1.6h,0.2.6i,0.1.6h,0.2.6i,0.1.6h,0.d.6e,7n.5.6e,7d" +
  ".1.64,0.4.6e,0.1.64,0.3.6e,0.1.66,0.1.64,0.6.6e,0.6.64,0.2.6e,0.1.64,0.2.6e,0.1.66,0.1.6c,0.1.6e,0.1.a,0.1.b,0" +
  ".1.c,0.1.d,0.1.e,0.1.f,0.1.g,0.1.h,0.1.i,0.2.j,0.1.k,0.1.l,0.1.m,1.1.n,1.1.o,0.1.p,1.1.6e,0.1.64,1.1.i,20.8.6e" +
  ",0.1.u,0.1.v,0.1.w,1c.1.r,0.1.s,0.1.t,0.1.u,0.1.v,0.1.w,0.1.x,0.1.y,0.2.6e,0.2.64,0.5.6e,0.1.64,0.2.6e,0.1.64," +
  "g.1.z,2t.7.6e,2.4.6e,0.1.64,0.1.6e,2.2.6e,1.1.64,0.2.6e,0.1.64,z.1.10,u.1.6e,0.1.64,0.2.6e,0.1.64,0.2.6e,0.3.6" +
  "4,0.1.6e,0.2.64,0.1.6e,0.1.64,0.3.6e,0.1.64,0.1.6e,0.1.64,0.1.6e,0.1.64,0.1.6e,0.1.64,0.2.6e,4g.7.6e,0.1.64,0." +
  "1.6e,y.4.6e,1.9.6e,1.3.6e,1.5.6e,17.3.64,3c.e.6e,1.1.64,0.2.6e,0.1.64,0.2.6e,0.1.64,0.3.6e,0.3.64,0.1.r,0.1.s," +
  "0.1.t,0.3.6e,0.1.64,0.2.6e,0.2.64,0.5.6e,1o.1.7,g.1.9,3.1.6e,0.1.64,0.2.6e,2v.1.7,g.1.9,32.1.7,g.1.9,32.1.7,g." +
  "1.9,32.1.7,g.1.9,3j.1.9,3j.1.9,7.1.2c,0.1.2j,2t.1.7,g.1.9,3j.1.9,3g.1.9,31.2.2v,0.1.9,d.4.2z,30.2.3a,e.4.3e,24" +
  ".2.64,r.1.64,1.1.64,1.1.60,1j.1.3l,0.1.3m,1.1.3o,5.4.3m,2.1.3m,1.2.6e,0.1.9,1.2.6e,1q.1.64,34.1.7,1.2.9,2a.1.6" +
  "4,jz.3.6e,qc.1.9,v.1.9,4d.1.9,a.1.6e,5n.1.6c,3z.1.66,0.1.6e,0.1.64,63.1.6e,0.1.64,1z.1.9,k.8.6e,2.1.64,1c.5.6e" +
  ",0.6.64,0.2.6e,0.1.64,3a.1.7,f.1.9,12.1.6e,0.1.64,0.7.6e,1i.2.9,1m.1.7,b.2.9,1v.1.7,48.3.6e,1.1.1,0.5.64,0.2.6" +
  "e,0.4.64,0.1.6e,1.7.1,4.1.64,6.1.6e,3.2.6e,5i.2.6e,0.1.64,0.7.6e,0.1.64,0.2.6e,0.1.6i,0.1.5y,0.1.64,0.1.5m,0.1" +
  "1.6e,5.1.6e,0.1.6h,0.1.64,0.1.6e,0.1.64,k0.2.6e,0.2.1,0.4.6e,0.3.1,0.2.6e,4.1.6e,3.2.1,0.1.6e,0.1.64,0.1.6e,0." +
  "2.1,0.4.64,0.1.6e,2da.3.6e,3x.1.9,2o.w.6e,fe.1.62,0.1.6c,0.1.6g,0.1.66,0.2.68,2x.2.8,n9w.1.6e,4.a.6e,w.2.6e,28" +
  ".2.6e,7o.1.9,59.1.9,r.i.6e,1l.3.64,11.1.9,2n.1.7,c.1.9,6n.1.6e,1.2.6e,0.1.64,2.2.6e,5.2.6e,1.1.6e,1g.1.9,6u.1." +
  "9,fn4.1.q,ld.7.6e,0.7.64,0.2.6e,r1.1.64,6a.1.64,45.5.6e,1aq.1.64,1.1.6e,14.1.6e,0.1.1,0.1.64,4.1.9,4l.1.6e,0.1" +
  ".64,127.1.9,1k.1.9,1l.1.9,0.1.7,1x.3.6e,1c.2.9,1q.1.7,24.1.9,9.1.7,2y.1.9,0.1.7,4y.1.7,0.1.9,29.1.7,g.1.9,o.7." +
  "6e,3.5.6e,5p.1.9,3.1.7,3f.1.9,0.1.7,6z.1.9,0.1.7,3i.1.9,3a.1.9,0.1.7,37.1.9,103.1.9,fjk.5.1,1n.7.6e,g2v.1.1,43" +
  "q.2.60,0.3.1,3.1.6a,0.5.60,8.8.64,2.5.6e,0.2.64,u.4.6e,44.3.6e,2pn.7.6e,1.h.6e,2.7.6e,1.2.6e,1.5.6e,1ph.7.64,3" +
  "1.6.6e,0.1.7";
/** char::to_lowercase, per code point (no context rules: Σ is always σ). */
export const LOWERCASE =
  "1t:2p,1:2q,1:2r,1:2s,1:2t,1:2u,1:2v,1:2w,1:2x,1:2y,1:2z,1:30,1:31,1:32,1:33,1:34,1:35,1:36,1:37,1:38,1:39,1:3a" +
  ",1:3b,1:3c,1:3d,1:3e,2u:68,1:69,1:6a,1:6b,1:6c,1:6d,1:6e,1:6f,1:6g,1:6h,1:6i,1:6j,1:6k,1:6l,1:6m,1:6n,1:6o,1:6" +
  "p,1:6q,1:6r,1:6s,1:6t,1:6u,2:6w,1:6x,1:6y,1:6z,1:70,1:71,1:72,y:75,2:77,2:79,2:7b,2:7d,2:7f,2:7h,2:7j,2:7l,2:7" +
  "n,2:7p,2:7r,2:7t,2:7v,2:7x,2:7z,2:81,2:83,2:85,2:87,2:89,2:8b,2:8d,2:8f,2:2x.lj,2:8j,2:8l,2:8n,3:8q,2:8s,2:8u," +
  "2:8w,2:8y,2:90,2:92,2:94,3:97,2:99,2:9b,2:9d,2:9f,2:9h,2:9j,2:9l,2:9n,2:9p,2:9r,2:9t,2:9v,2:9x,2:9z,2:a1,2:a3," +
  "2:a5,2:a7,2:a9,2:ab,2:ad,2:af,2:73,1:ai,2:ak,2:am,4:gj,1:ar,2:at,2:gk,1:aw,2:gm,1:gn,1:b0,3:d9,1:gp,1:gr,1:b6," +
  "2:gw,1:gz,2:h5,1:h4,1:bd,4:hb,1:he,2:hh,1:bl,2:bn,2:bp,2:hs,1:bs,2:hv,3:bx,2:i0,1:c0,2:i2,1:i3,1:c4,2:c6,2:ia," +
  "1:c9,4:cd,8:cm,1:cm,2:cp,1:cp,2:cs,1:cs,2:cu,2:cw,2:cy,2:d0,2:d2,2:d4,2:d6,2:d8,3:db,2:dd,2:df,2:dh,2:dj,2:dl," +
  "2:dn,2:dp,2:dr,3:dv,1:dv,2:dx,2:b9,1:cf,1:e1,2:e3,2:e5,2:e7,2:e9,2:eb,2:ed,2:ef,2:eh,2:ej,2:el,2:en,2:ep,2:er," +
  "2:et,2:ev,2:ex,2:ez,2:f1,2:f3,2:bi,2:f7,2:f9,2:fb,2:fd,2:ff,2:fh,2:fj,2:fl,2:fn,8:8rp,1:fw,2:be,1:8rq,3:g2,2:a" +
  "o,1:i1,1:i4,1:g7,2:g9,2:gb,2:gd,2:gf,82:oh,2:oj,4:on,9:s3,7:q4,2:q5,1:q6,1:q7,2:r0,2:r1,1:r2,2:q9,1:qa,1:qb,1:" +
  "qc,1:qd,1:qe,1:qf,1:qg,1:qh,1:qi,1:qj,1:qk,1:ql,1:qm,1:qn,1:qo,1:qp,2:qr,1:qs,1:qt,1:qu,1:qv,1:qw,1:qx,1:qy,1:" +
  "qz,10:rb,9:rd,2:rf,2:rh,2:rj,2:rl,2:rn,2:rp,2:rr,2:rt,2:rv,2:rx,2:rz,6:qg,3:s8,2:s2,1:sb,3:or,1:os,1:ot,1:uo,1" +
  ":up,1:uq,1:ur,1:us,1:ut,1:uu,1:uv,1:uw,1:ux,1:uy,1:uz,1:v0,1:v1,1:v2,1:v3,1:ts,1:tt,1:tu,1:tv,1:tw,1:tx,1:ty,1" +
  ":tz,1:u0,1:u1,1:u2,1:u3,1:u4,1:u5,1:u6,1:u7,1:u8,1:u9,1:ua,1:ub,1:uc,1:ud,1:ue,1:uf,1:ug,1:uh,1:ui,1:uj,1:uk,1" +
  ":ul,1:um,1:un,1d:v5,2:v7,2:v9,2:vb,2:vd,2:vf,2:vh,2:vj,2:vl,2:vn,2:vp,2:vr,2:vt,2:vv,2:vx,2:vz,2:w1,a:wb,2:wd," +
  "2:wf,2:wh,2:wj,2:wl,2:wn,2:wp,2:wr,2:wt,2:wv,2:wx,2:wz,2:x1,2:x3,2:x5,2:x7,2:x9,2:xb,2:xd,2:xf,2:xh,2:xj,2:xl," +
  "2:xn,2:xp,2:xr,2:y7,1:xu,2:xw,2:xy,2:y0,2:y2,2:y4,2:y6,3:y9,2:yb,2:yd,2:yf,2:yh,2:yj,2:yl,2:yn,2:yp,2:yr,2:yt," +
  "2:yv,2:yx,2:yz,2:z1,2:z3,2:z5,2:z7,2:z9,2:zb,2:zd,2:zf,2:zh,2:zj,2:zl,2:zn,2:zp,2:zr,2:zt,2:zv,2:zx,2:zz,2:101" +
  ",2:103,2:105,2:107,2:109,2:10b,2:10d,2:10f,2:10h,2:10j,2:10l,2:10n,2:10p,2:10r,2:10t,2:10v,3:129,1:12a,1:12b,1" +
  ":12c,1:12d,1:12e,1:12f,1:12g,1:12h,1:12i,1:12j,1:12k,1:12l,1:12m,1:12n,1:12o,1:12p,1:12q,1:12r,1:12s,1:12t,1:1" +
  "2u,1:12v,1:12w,1:12x,1:12y,1:12z,1:130,1:131,1:132,1:133,1:134,1:135,1:136,1:137,1:138,1:139,1:13a,28a:8w0,1:8" +
  "w1,1:8w2,1:8w3,1:8w4,1:8w5,1:8w6,1:8w7,1:8w8,1:8w9,1:8wa,1:8wb,1:8wc,1:8wd,1:8we,1:8wf,1:8wg,1:8wh,1:8wi,1:8wj" +
  ",1:8wk,1:8wl,1:8wm,1:8wn,1:8wo,1:8wp,1:8wq,1:8wr,1:8ws,1:8wt,1:8wu,1:8wv,1:8ww,1:8wx,1:8wy,1:8wz,1:8x0,1:8x1,2" +
  ":8x3,6:8x9,k3:xv4,1:xv5,1:xv6,1:xv7,1:xv8,1:xv9,1:xva,1:xvb,1:xvc,1:xvd,1:xve,1:xvf,1:xvg,1:xvh,1:xvi,1:xvj,1:" +
  "xvk,1:xvl,1:xvm,1:xvn,1:xvo,1:xvp,1:xvq,1:xvr,1:xvs,1:xvt,1:xvu,1:xvv,1:xvw,1:xvx,1:xvy,1:xvz,1:xw0,1:xw1,1:xw" +
  "2,1:xw3,1:xw4,1:xw5,1:xw6,1:xw7,1:xw8,1:xw9,1:xwa,1:xwb,1:xwc,1:xwd,1:xwe,1:xwf,1:xwg,1:xwh,1:xwi,1:xwj,1:xwk," +
  "1:xwl,1:xwm,1:xwn,1:xwo,1:xwp,1:xwq,1:xwr,1:xws,1:xwt,1:xwu,1:xwv,1:xww,1:xwx,1:xwy,1:xwz,1:xx0,1:xx1,1:xx2,1:" +
  "xx3,1:xx4,1:xx5,1:xx6,1:xx7,1:xx8,1:xx9,1:xxa,1:xxb,1:3y0,1:3y1,1:3y2,1:3y3,1:3y4,1:3y5,1p0:5my,7:3bk,1:3bl,1:" +
  "3bm,1:3bn,1:3bo,1:3bp,1:3bq,1:3br,1:3bs,1:3bt,1:3bu,1:3bv,1:3bw,1:3bx,1:3by,1:3bz,1:3c0,1:3c1,1:3c2,1:3c3,1:3c" +
  "4,1:3c5,1:3c6,1:3c7,1:3c8,1:3c9,1:3ca,1:3cb,1:3cc,1:3cd,1:3ce,1:3cf,1:3cg,1:3ch,1:3ci,1:3cj,1:3ck,1:3cl,1:3cm," +
  "1:3cn,1:3co,1:3cp,1:3cq,3:3ct,1:3cu,1:3cv,8x:5xd,2:5xf,2:5xh,2:5xj,2:5xl,2:5xn,2:5xp,2:5xr,2:5xt,2:5xv,2:5xx,2" +
  ":5xz,2:5y1,2:5y3,2:5y5,2:5y7,2:5y9,2:5yb,2:5yd,2:5yf,2:5yh,2:5yj,2:5yl,2:5yn,2:5yp,2:5yr,2:5yt,2:5yv,2:5yx,2:5" +
  "yz,2:5z1,2:5z3,2:5z5,2:5z7,2:5z9,2:5zb,2:5zd,2:5zf,2:5zh,2:5zj,2:5zl,2:5zn,2:5zp,2:5zr,2:5zt,2:5zv,2:5zx,2:5zz" +
  ",2:601,2:603,2:605,2:607,2:609,2:60b,2:60d,2:60f,2:60h,2:60j,2:60l,2:60n,2:60p,2:60r,2:60t,2:60v,2:60x,2:60z,2" +
  ":611,2:613,2:615,2:617,2:619,2:61b,2:61d,2:61f,2:61h,a:67,2:61t,2:61v,2:61x,2:61z,2:621,2:623,2:625,2:627,2:62" +
  "9,2:62b,2:62d,2:62f,2:62h,2:62j,2:62l,2:62n,2:62p,2:62r,2:62t,2:62v,2:62x,2:62z,2:631,2:633,2:635,2:637,2:639," +
  "2:63b,2:63d,2:63f,2:63h,2:63j,2:63l,2:63n,2:63p,2:63r,2:63t,2:63v,2:63x,2:63z,2:641,2:643,2:645,2:647,2:649,2:" +
  "64b,2:64d,2:64f,a:64g,1:64h,1:64i,1:64j,1:64k,1:64l,1:64m,1:64n,9:64w,1:64x,1:64y,1:64z,1:650,1:651,b:65c,1:65" +
  "d,1:65e,1:65f,1:65g,1:65h,1:65i,1:65j,9:65s,1:65t,1:65u,1:65v,1:65w,1:65x,1:65y,1:65z,9:668,1:669,1:66a,1:66b," +
  "1:66c,1:66d,c:66p,2:66r,2:66t,2:66v,9:674,1:675,1:676,1:677,1:678,1:679,1:67a,1:67b,p:680,1:681,1:682,1:683,1:" +
  "684,1:685,1:686,1:687,9:68g,1:68h,1:68i,1:68j,1:68k,1:68l,1:68m,1:68n,9:68w,1:68x,1:68y,1:68z,1:690,1:691,1:69" +
  "2,1:693,9:69c,1:69d,1:67k,1:67l,1:69f,c:67m,1:67n,1:67o,1:67p,1:69v,c:6a8,1:6a9,1:67q,1:67r,d:6ao,1:6ap,1:67u," +
  "1:67v,1:6at,c:67s,1:67t,1:67w,1:67x,1:6b7,8a:qx,4:2z,1:6d,7:6ku,1a:6ls,1:6lt,1:6lu,1:6lv,1:6lw,1:6lx,1:6ly,1:6" +
  "lz,1:6m0,1:6m1,1:6m2,1:6m3,1:6m4,1:6m5,1:6m6,1:6m7,k:6mc,mr:79s,1:79t,1:79u,1:79v,1:79w,1:79x,1:79y,1:79z,1:7a" +
  "0,1:7a1,1:7a2,1:7a3,1:7a4,1:7a5,1:7a6,1:7a7,1:7a8,1:7a9,1:7aa,1:7ab,1:7ac,1:7ad,1:7ae,1:7af,1:7ag,1:7ah,1f5:8q" +
  "8,1:8q9,1:8qa,1:8qb,1:8qc,1:8qd,1:8qe,1:8qf,1:8qg,1:8qh,1:8qi,1:8qj,1:8qk,1:8ql,1:8qm,1:8qn,1:8qo,1:8qp,1:8qq," +
  "1:8qr,1:8qs,1:8qt,1:8qu,1:8qv,1:8qw,1:8qx,1:8qy,1:8qz,1:8r0,1:8r1,1:8r2,1:8r3,1:8r4,1:8r5,1:8r6,1:8r7,1:8r8,1:" +
  "8r9,1:8ra,1:8rb,1:8rc,1:8rd,1:8re,1:8rf,1:8rg,1:8rh,1:8ri,1:8rj,1d:8rl,2:h7,1:5tp,1:hp,3:8rs,2:8ru,2:8rw,2:gh," +
  "1:hd,1:gg,1:gi,2:8s3,3:8s6,9:fz,1:g0,1:8sh,2:8sj,2:8sl,2:8sn,2:8sp,2:8sr,2:8st,2:8sv,2:8sx,2:8sz,2:8t1,2:8t3,2" +
  ":8t5,2:8t7,2:8t9,2:8tb,2:8td,2:8tf,2:8th,2:8tj,2:8tl,2:8tn,2:8tp,2:8tr,2:8tt,2:8tv,2:8tx,2:8tz,2:8u1,2:8u3,2:8" +
  "u5,2:8u7,2:8u9,2:8ub,2:8ud,2:8uf,2:8uh,2:8uj,2:8ul,2:8un,2:8up,2:8ur,2:8ut,2:8uv,2:8ux,2:8uz,2:8v1,2:8v3,2:8v5" +
  ",2:8v7,9:8vg,2:8vi,5:8vn,nym:wu9,2:wub,2:wud,2:wuf,2:wuh,2:wuj,2:wul,2:wun,2:wup,2:wur,2:wut,2:wuv,2:wux,2:wuz" +
  ",2:wv1,2:wv3,2:wv5,2:wv7,2:wv9,2:wvb,2:wvd,2:wvf,2:wvh,k:ww1,2:ww3,2:ww5,2:ww7,2:ww9,2:wwb,2:wwd,2:wwf,2:wwh,2" +
  ":wwj,2:wwl,2:wwn,2:wwp,2:wwr,3s:x0j,2:x0l,2:x0n,2:x0p,2:x0r,2:x0t,2:x0v,4:x0z,2:x11,2:x13,2:x15,2:x17,2:x19,2:" +
  "x1b,2:x1d,2:x1f,2:x1h,2:x1j,2:x1l,2:x1n,2:x1p,2:x1r,2:x1t,2:x1v,2:x1x,2:x1z,2:x21,2:x23,2:x25,2:x27,2:x29,2:x2" +
  "b,2:x2d,2:x2f,2:x2h,2:x2j,2:x2l,2:x2n,b:x2y,2:x30,2:5tl,1:x33,2:x35,2:x37,2:x39,2:x3b,5:x3g,2:h1,3:x3l,2:x3n,4" +
  ":x3r,2:x3t,2:x3v,2:x3x,2:x3z,2:x41,2:x43,2:x45,2:x47,2:x49,2:h2,1:gs,1:gx,1:h8,1:h6,2:im,1:hz,1:il,1:xub,1:x4l" +
  ",2:x4n,2:x4p,2:x4r,2:x4t,2:x4v,2:x4x,2:x4z,2:x3o,1:hu,1:5u6,1:x54,2:x56,2:h0,1:x59,2:x5b,2:x5d,2:x5f,2:x5h,2:x" +
  "5j,2:x5l,2:x5n,2:bf,p:x6e,h7w:1ef5,1:1ef6,1:1ef7,1:1ef8,1:1ef9,1:1efa,1:1efb,1:1efc,1:1efd,1:1efe,1:1eff,1:1ef" +
  "g,1:1efh,1:1efi,1:1efj,1:1efk,1:1efl,1:1efm,1:1efn,1:1efo,1:1efp,1:1efq,1:1efr,1:1efs,1:1eft,1:1efu,xy:1fe0,1:" +
  "1fe1,1:1fe2,1:1fe3,1:1fe4,1:1fe5,1:1fe6,1:1fe7,1:1fe8,1:1fe9,1:1fea,1:1feb,1:1fec,1:1fed,1:1fee,1:1fef,1:1feg," +
  "1:1feh,1:1fei,1:1fej,1:1fek,1:1fel,1:1fem,1:1fen,1:1feo,1:1fep,1:1feq,1:1fer,1:1fes,1:1fet,1:1feu,1:1fev,1:1fe" +
  "w,1:1fex,1:1fey,1:1fez,1:1ff0,1:1ff1,1:1ff2,1:1ff3,3t:1fiw,1:1fix,1:1fiy,1:1fiz,1:1fj0,1:1fj1,1:1fj2,1:1fj3,1:" +
  "1fj4,1:1fj5,1:1fj6,1:1fj7,1:1fj8,1:1fj9,1:1fja,1:1fjb,1:1fjc,1:1fjd,1:1fje,1:1fjf,1:1fjg,1:1fjh,1:1fji,1:1fjj," +
  "1:1fjk,1:1fjl,1:1fjm,1:1fjn,1:1fjo,1:1fjp,1:1fjq,1:1fjr,1:1fjs,1:1fjt,1:1fju,1:1fjv,4d:1fo7,1:1fo8,1:1fo9,1:1f" +
  "oa,1:1fob,1:1foc,1:1fod,1:1foe,1:1fof,1:1fog,1:1foh,2:1foj,1:1fok,1:1fol,1:1fom,1:1fon,1:1foo,1:1fop,1:1foq,1:" +
  "1for,1:1fos,1:1fot,1:1fou,1:1fov,1:1fow,1:1fox,2:1foz,1:1fp0,1:1fp1,1:1fp2,1:1fp3,1:1fp4,1:1fp5,2:1fp7,1:1fp8," +
  "1d7:1h34,1:1h35,1:1h36,1:1h37,1:1h38,1:1h39,1:1h3a,1:1h3b,1:1h3c,1:1h3d,1:1h3e,1:1h3f,1:1h3g,1:1h3h,1:1h3i,1:1" +
  "h3j,1:1h3k,1:1h3l,1:1h3m,1:1h3n,1:1h3o,1:1h3p,1:1h3q,1:1h3r,1:1h3s,1:1h3t,1:1h3u,1:1h3v,1:1h3w,1:1h3x,1:1h3y,1" +
  ":1h3z,1:1h40,1:1h41,1:1h42,1:1h43,1:1h44,1:1h45,1:1h46,1:1h47,1:1h48,1:1h49,1:1h4a,1:1h4b,1:1h4c,1:1h4d,1:1h4e" +
  ",1:1h4f,1:1h4g,1:1h4h,1:1h4i,4e:1h80,1:1h81,1:1h82,1:1h83,1:1h84,1:1h85,1:1h86,1:1h87,1:1h88,1:1h89,1:1h8a,1:1" +
  "h8b,1:1h8c,1:1h8d,1:1h8e,1:1h8f,1:1h8g,1:1h8h,1:1h8i,1:1h8j,1:1h8k,1:1h8l,27v:1jgg,1:1jgh,1:1jgi,1:1jgj,1:1jgk" +
  ",1:1jgl,1:1jgm,1:1jgn,1:1jgo,1:1jgp,1:1jgq,1:1jgr,1:1jgs,1:1jgt,1:1jgu,1:1jgv,1:1jgw,1:1jgx,1:1jgy,1:1jgz,1:1j" +
  "h0,1:1jh1,1:1jh2,1:1jh3,1:1jh4,1:1jh5,1:1jh6,1:1jh7,1:1jh8,1:1jh9,1:1jha,1:1jhb,gw1:20dc,1:20dd,1:20de,1:20df," +
  "1:20dg,1:20dh,1:20di,1:20dj,1:20dk,1:20dl,1:20dm,1:20dn,1:20do,1:20dp,1:20dq,1:20dr,1:20ds,1:20dt,1:20du,1:20d" +
  "v,1:20dw,1:20dx,1:20dy,1:20dz,1:20e0,1:20e1,1:20e2,1:20e3,1:20e4,1:20e5,1:20e6,1:20e7,1t:20fv,1:20fw,1:20fx,1:" +
  "20fy,1:20fz,1:20g0,1:20g1,1:20g2,1:20g3,1:20g4,1:20g5,1:20g6,1:20g7,1:20g8,1:20g9,1:20ga,1:20gb,1:20gc,1:20gd," +
  "1:20ge,1:20gf,1:20gg,1:20gh,1:20gi,1:20gj,o5k:2oma,1:2omb,1:2omc,1:2omd,1:2ome,1:2omf,1:2omg,1:2omh,1:2omi,1:2" +
  "omj,1:2omk,1:2oml,1:2omm,1:2omn,1:2omo,1:2omp,1:2omq,1:2omr,1:2oms,1:2omt,1:2omu,1:2omv,1:2omw,1:2omx,1:2omy,1" +
  ":2omz,1:2on0,1:2on1,1:2on2,1:2on3,1:2on4,1:2on5,1:2on6,1:2on7";
